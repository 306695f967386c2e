import * as Y from 'yjs'

type DeleteItem = { clock: number; len: number }

/**
 * Whether applying `update` would change `doc`: it carries an insertion the doc does not have,
 * or deletes something the doc has not deleted. A view-only client may send sync step 2 that
 * changes nothing (an empty diff, or a delete set the server already has); anything else is
 * refused. Throws on bytes that are not a Yjs update.
 */
export function updateChangesDoc(doc: Y.Doc, update: Uint8Array): boolean {
  const known = Y.decodeStateVector(Y.encodeStateVector(doc))
  const { structs, ds } = Y.decodeUpdate(update)
  for (const struct of structs) {
    // Skip structs carry no content: they only fill gaps in a merged update.
    if (struct instanceof Y.Skip) continue
    const end = struct.id.clock + struct.length
    if (end > (known.get(struct.id.client) ?? 0)) return true
  }
  const clients = (ds as unknown as { clients: Map<number, DeleteItem[]> }).clients
  if (clients.size === 0) return false
  const ours = (Y.createDeleteSetFromStructStore(doc.store) as unknown as { clients: Map<number, DeleteItem[]> }).clients
  for (const [client, items] of clients) {
    const deleted = ours.get(client) ?? []
    for (const { clock, len } of items) {
      if (len === 0) continue
      // Our ranges are sorted and merged, so one of them must cover the whole requested range.
      const covered = deleted.some((d) => d.clock <= clock && clock + len <= d.clock + d.len)
      if (!covered) return true
    }
  }
  return false
}

/**
 * What an update from an editor would do to the doc:
 * - `gap`: it deletes something neither the doc nor the update has, or carries a struct that
 *   does not follow on from what the doc (or the update itself)
 *   already has for that client. Yjs would park it as pending, and the hole it leaves in that
 *   client's clock range would make the client's real later edits look known and be dropped. A
 *   well-behaved client never sends one: it diffs against the server's state vector.
 * - `extends`: the Yjs client ids whose clock range it extends, i.e. in whose name it writes.
 */
export function inspectUpdate(doc: Y.Doc, update: Uint8Array): { gap: boolean; extends: Set<number> } {
  const known = Y.decodeStateVector(Y.encodeStateVector(doc))
  const reach = new Map<number, number>()
  const extended = new Set<number>()
  const { structs, ds } = Y.decodeUpdate(update)
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue
    const client = struct.id.client
    const had = known.get(client) ?? 0
    const upTo = Math.max(had, reach.get(client) ?? 0)
    if (struct.id.clock > upTo) return { gap: true, extends: extended }
    const end = struct.id.clock + struct.length
    if (end > had) extended.add(client)
    reach.set(client, Math.max(upTo, end))
  }
  // Deleting what does not exist yet is a gap too: Yjs keeps it pending and applies it to
  // whatever later takes those clocks, on some replicas and not others.
  for (const [client, items] of (ds as unknown as { clients: Map<number, DeleteItem[]> }).clients) {
    const upTo = Math.max(known.get(client) ?? 0, reach.get(client) ?? 0)
    for (const { clock, len } of items) if (clock + len > upTo) return { gap: true, extends: extended }
  }
  return { gap: false, extends: extended }
}
