import * as Y from 'yjs'
import { recordSize } from '@roundtable/shared'

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
export function inspectUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  roots: ReadonlySet<string> = new Set(),
): { gap: boolean; extends: Set<number>; writes: RootWrite[]; largestRecord: number } {
  const known = (client: number) => Y.getState(doc.store, client)
  const reach = new Map<number, number>()
  const extended = new Set<number>()
  const decoded = Y.decodeUpdate(update)
  const gap = { gap: true, extends: extended, writes: [], largestRecord: 0 }
  let largestRecord = 0
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) continue
    const client = struct.id.client
    const had = known(client)
    const upTo = Math.max(had, reach.get(client) ?? 0)
    if (struct.id.clock > upTo) return gap
    const end = struct.id.clock + struct.length
    if (end > had) {
      extended.add(client)
      // A record is one JSON value (a YKeyValue entry's `val`); only new ones are measured.
      if (struct instanceof Y.Item && struct.content instanceof Y.ContentAny) {
        for (const value of (struct.content as unknown as { arr: unknown[] }).arr) {
          const entry = value as { val?: unknown } | null
          largestRecord = Math.max(largestRecord, recordSize(entry && typeof entry === 'object' && 'val' in entry ? entry.val : entry))
        }
      }
    }
    reach.set(client, Math.max(upTo, end))
  }
  // Deleting what does not exist yet is a gap too: Yjs keeps it pending and applies it to
  // whatever later takes those clocks, on some replicas and not others.
  for (const [client, items] of (decoded.ds as unknown as { clients: Map<number, DeleteItem[]> }).clients) {
    const upTo = Math.max(known(client), reach.get(client) ?? 0)
    for (const { clock, len } of items) if (clock + len > upTo) return gap
  }
  // Decoded once for both: this runs on every edit.
  return { gap: false, extends: extended, writes: roots.size ? writesInto(doc, decoded, roots) : [], largestRecord }
}

/** A new write an update makes into one of the doc's top-level types. */
export interface RootWrite {
  root: string
  /** The map key written or deleted, when it sits directly in a top-level map; null when nested. */
  key: string | null
  deleted: boolean
  /** What an insertion puts there, when it is plain JSON (a map entry's value). */
  value?: unknown
}

type AnyItem = Y.Item & { parent: unknown; parentSub: string | null; origin: Y.ID | null; rightOrigin: Y.ID | null }

/**
 * What `update` newly writes into the top-level types named in `roots`: insertions the doc does
 * not have yet and deletions of what it has not deleted. An item's parent is resolved the way
 * Yjs integrates it: from the item, or else from its origin, found in the doc or in the update.
 */
export function rootWrites(doc: Y.Doc, update: Uint8Array, roots: ReadonlySet<string>): RootWrite[] {
  return writesInto(doc, Y.decodeUpdate(update), roots)
}

function writesInto(doc: Y.Doc, { structs, ds }: ReturnType<typeof Y.decodeUpdate>, roots: ReadonlySet<string>): RootWrite[] {
  const known = (client: number) => Y.getState(doc.store, client)
  const inUpdate = new Map<number, AnyItem[]>()
  for (const s of structs)
    if (s instanceof Y.Item) (inUpdate.get(s.id.client) ?? inUpdate.set(s.id.client, []).get(s.id.client)!).push(s as AnyItem)

  type Place = { root: string | undefined; key: string | null }
  const placeOfDocType = (type: Y.AbstractType<unknown>, key: string | null): Place => {
    let t = type
    let direct = true
    while (t._item) {
      t = t._item.parent as Y.AbstractType<unknown>
      direct = false
    }
    return { root: Y.findRootTypeKey(t), key: direct ? key : null }
  }
  const findInUpdate = (id: Y.ID): AnyItem | undefined => {
    // An update lists each client's structs in clock order.
    const items = inUpdate.get(id.client) ?? []
    let lo = 0
    let hi = items.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const s = items[mid]
      if (id.clock < s.id.clock) hi = mid - 1
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1
      else return s
    }
    return undefined
  }
  const findInDoc = (id: Y.ID): AnyItem | undefined => {
    if (id.clock >= known(id.client)) return undefined
    const s = Y.getItem(doc.store, id)
    return s instanceof Y.Item ? (s as AnyItem) : undefined
  }
  const resolved = new Map<AnyItem, Place>()
  // Iterative over the chain of origins, which a long run of inserts in one update can make deep.
  const placeOf = (start: AnyItem): Place => {
    const chain = new Set<AnyItem>()
    let place: Place | undefined
    for (let item: AnyItem | undefined = start; item && !place;) {
      place = resolved.get(item)
      if (place || chain.has(item)) break
      chain.add(item)
      if (typeof item.parent === 'string') place = { root: item.parent, key: item.parentSub }
      else if (item.parent instanceof Y.AbstractType) place = placeOfDocType(item.parent, item.parentSub)
      else if (item.parent) {
        const owner = findInDoc(item.parent as Y.ID)
        const ownerType = owner?.content instanceof Y.ContentType ? owner.content.type : undefined
        if (ownerType) place = placeOfDocType(ownerType, null)
        else {
          const pending = findInUpdate(item.parent as Y.ID)
          place = pending ? { root: placeOf(pending).root, key: null } : { root: undefined, key: null }
        }
      } else {
        const neighbour: Y.ID | null = item.origin ?? item.rightOrigin
        const next: AnyItem | undefined = neighbour ? (findInDoc(neighbour) ?? findInUpdate(neighbour)) : undefined
        if (!next) place = { root: undefined, key: null }
        item = next
      }
    }
    place ??= { root: undefined, key: null }
    for (const item of chain) resolved.set(item, place)
    return place
  }

  const deletes = (ds as unknown as { clients: Map<number, DeleteItem[]> }).clients
  // An item that arrives already deleted (a step 2 carries the sender's history) writes nothing.
  const deletedHere = (item: AnyItem) =>
    deletes.get(item.id.client)?.some(({ clock, len }) => clock <= item.id.clock && item.id.clock + item.length <= clock + len) ?? false

  const writes: RootWrite[] = []
  for (const [client, items] of inUpdate) {
    for (const item of items) {
      if (item.id.clock + item.length <= known(client) || deletedHere(item)) continue
      const { root, key } = placeOf(item)
      if (root === undefined || !roots.has(root)) continue
      const value = item.content instanceof Y.ContentAny ? (item.content as unknown as { arr: unknown[] }).arr[0] : undefined
      writes.push({ root, key, deleted: false, value })
    }
  }
  for (const [client, ranges] of deletes) {
    for (const { clock, len } of ranges) {
      for (let c = clock; c < clock + len;) {
        // Only what the doc holds can be deleted from it; the update's own items were seen above.
        const item = findInDoc(Y.createID(client, c))
        if (!item) break
        c = item.id.clock + item.length
        if (item.deleted) continue
        const { root, key } = placeOf(item)
        if (root !== undefined && roots.has(root)) writes.push({ root, key, deleted: true })
      }
    }
  }
  return writes
}
