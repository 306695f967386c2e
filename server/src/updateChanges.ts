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
