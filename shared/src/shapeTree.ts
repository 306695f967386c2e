/**
 * Walking tldraw's shape tree from plain records. Peers can write any `parentId`, so a chain may
 * be very long or loop back on itself: walk it with a loop, never recursion, and stop at a cycle.
 */
export interface TreeNode {
  parentId?: unknown
}

/** The shapes above one whose parent is `parentId`, nearest first; stops where the chain loops. */
export function ancestorsOf<S extends TreeNode>(byId: ReadonlyMap<string, S>, parentId: unknown): S[] {
  const chain: S[] = []
  const seen = new Set<string>()
  for (let id = String(parentId), s = byId.get(id); s && !seen.has(id); id = String(s.parentId), s = byId.get(id)) {
    seen.add(id)
    chain.push(s)
  }
  return chain
}

/** The page a shape sits on (the first parent that is not a shape), or undefined inside a cycle. */
export function pageIdOf<S extends TreeNode>(byId: ReadonlyMap<string, S>, shape: TreeNode): string | undefined {
  const chain = ancestorsOf(byId, shape.parentId)
  const root = chain.length ? String(chain[chain.length - 1].parentId) : String(shape.parentId)
  return byId.has(root) ? undefined : root
}
