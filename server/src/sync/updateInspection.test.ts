import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { rootWrites, updateChangesDoc } from './updateInspection.ts'

function serverWithText(text: string) {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return doc
}

function replica(of: Y.Doc) {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(of))
  return doc
}

describe('does an update change the doc', () => {
  it('an empty diff (sync step 2 from a client with nothing new) changes nothing', () => {
    const server = serverWithText('hello')
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(new Y.Doc(), Y.encodeStateVector(server)))).toBe(false)
    const copy = replica(server)
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(copy, Y.encodeStateVector(server)))).toBe(false)
  })

  it('a replica that saw the same deletions changes nothing', () => {
    const server = serverWithText('hello world')
    server.getText('t').delete(0, 6)
    const copy = replica(server)
    // Step 2 always carries the whole delete set.
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(copy, Y.encodeStateVector(server)))).toBe(false)
  })

  it('an insertion, a deletion, or a new type is a change', () => {
    const server = serverWithText('hello')
    const insert = replica(server)
    let captured: Uint8Array[] = []
    insert.on('update', (u: Uint8Array) => captured.push(u))
    insert.getText('t').insert(5, '!')
    expect(updateChangesDoc(server, captured[0])).toBe(true)

    const del = replica(server)
    captured = []
    del.on('update', (u: Uint8Array) => captured.push(u))
    del.getText('t').delete(0, 1)
    expect(updateChangesDoc(server, captured[0])).toBe(true)
    // Step 2 form of the same deletion.
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(del, Y.encodeStateVector(server)))).toBe(true)

    const other = new Y.Doc()
    other.getMap('m').set('k', 1)
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(other))).toBe(true)
  })

  it('an update whose content the server already has changes nothing', () => {
    const server = serverWithText('hello')
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(server))).toBe(false)
  })
})

describe('does an update leave a gap', () => {
  it('an update that follows on from the doc has none; one that skips ahead has one', async () => {
    const { inspectUpdate } = await import('./updateInspection.ts')
    const updateHasGap = (doc: Y.Doc, u: Uint8Array) => inspectUpdate(doc, u).gap
    const server = serverWithText('hello')
    const client = replica(server)
    const updates: Uint8Array[] = []
    client.on('update', (u: Uint8Array) => updates.push(u))
    client.getText('t').insert(5, ' one')
    client.getText('t').insert(9, ' two')
    expect(updateHasGap(server, updates[0])).toBe(false)
    // The second edit alone depends on the first, which the server does not have.
    expect(updateHasGap(server, updates[1])).toBe(true)
    expect(updateHasGap(server, Y.mergeUpdates(updates))).toBe(false)
    expect(updateHasGap(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)))).toBe(false)
    // Deleting the second edit's text before the server has it is a gap; with it, it is not.
    const del: Uint8Array[] = []
    const deleter = replica(client)
    deleter.on('update', (u: Uint8Array) => del.push(u))
    deleter.getText('t').delete(9, 4)
    expect(updateHasGap(server, del[0])).toBe(true)
    expect(updateHasGap(server, Y.mergeUpdates([...updates, ...del]))).toBe(false)
    // Already-known content is no gap.
    expect(updateHasGap(server, Y.encodeStateAsUpdate(server))).toBe(false)
  })
})

describe('whose clock an update extends', () => {
  it('names the clients that write something new, not those whose content is already known', async () => {
    const { inspectUpdate } = await import('./updateInspection.ts')
    const server = serverWithText('hello')
    const client = replica(server)
    const updates: Uint8Array[] = []
    client.on('update', (u: Uint8Array) => updates.push(u))
    client.getText('t').insert(5, '!')
    expect([...inspectUpdate(server, updates[0]).extends]).toEqual([client.clientID])
    expect([...inspectUpdate(server, Y.encodeStateAsUpdate(client)).extends]).toEqual([client.clientID])
    expect([...inspectUpdate(server, Y.encodeStateAsUpdate(server)).extends]).toEqual([])
  })
})

describe('what an update writes into top-level types', () => {
  const ROOTS = new Set(['votes', 'brainstorm'])
  /** The updates `change` makes on a replica of `server`. */
  function updatesOf(server: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array[] {
    const doc = replica(server)
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    change(doc)
    return updates
  }

  it('sees a new key, an overwrite (whose parent comes from its origin) and a deletion of a map entry', () => {
    const server = new Y.Doc()
    server.getMap('votes').set('v1', { status: 'open' })
    server.getArray('records').push([{ id: 'shape:a' }])
    const [added] = updatesOf(server, (d) => d.getMap('votes').set('v2', { status: 'closed' }))
    expect(rootWrites(server, added, ROOTS)).toEqual([{ root: 'votes', key: 'v2', deleted: false, value: { status: 'closed' } }])
    const [overwrite] = updatesOf(server, (d) => d.getMap('votes').set('v1', { status: 'closed', totals: { n: 99 } }))
    expect(rootWrites(server, overwrite, ROOTS)).toEqual(
      expect.arrayContaining([
        { root: 'votes', key: 'v1', deleted: false, value: { status: 'closed', totals: { n: 99 } } },
        { root: 'votes', key: 'v1', deleted: true },
      ]),
    )
    const [removed] = updatesOf(server, (d) => d.getMap('votes').delete('v1'))
    expect(rootWrites(server, removed, ROOTS)).toEqual([{ root: 'votes', key: 'v1', deleted: true }])
  })

  it('sees writes into a type nested in a protected map, in the same update or a later one', () => {
    const server = new Y.Doc()
    const [both] = updatesOf(server, (d) =>
      d.transact(() => {
        const inner = new Y.Map()
        d.getMap('brainstorm').set('round', inner)
        inner.set('anonymous', false)
      }),
    )
    expect(rootWrites(server, both, ROOTS).map((w) => [w.root, w.key])).toEqual(
      expect.arrayContaining([
        ['brainstorm', 'round'],
        ['brainstorm', null],
      ]),
    )
    Y.applyUpdate(server, both)
    const [later] = updatesOf(server, (d) => (d.getMap('brainstorm').get('round') as Y.Map<unknown>).set('anonymous', true))
    expect(rootWrites(server, later, ROOTS).filter((w) => !w.deleted)).toEqual([
      { root: 'brainstorm', key: null, deleted: false, value: true },
    ])
  })

  it('ignores other types, and content the doc already has', () => {
    const server = new Y.Doc()
    server.getMap('votes').set('v1', { status: 'open' })
    const updates = updatesOf(server, (d) => {
      d.getArray('records').push([{ id: 'shape:a' }])
      d.getArray('records').delete(0, 1)
      d.getMap('meta').set('title', 'x')
    })
    for (const u of updates) expect(rootWrites(server, u, ROOTS)).toEqual([])
    expect(rootWrites(server, Y.encodeStateAsUpdate(server), ROOTS)).toEqual([])
  })

  it('an entry that arrives already deleted (history in a sync step 2) writes nothing', () => {
    const server = new Y.Doc()
    const client = new Y.Doc()
    client.getMap('votes').set('v-open', { status: 'open' })
    client.getMap('votes').delete('v-open')
    client.getArray('records').push([{ id: 'shape:a' }])
    expect(rootWrites(server, Y.encodeStateAsUpdate(client), ROOTS)).toEqual([])
  })

  it('follows a long chain of origins inside one update without recursion', () => {
    const server = new Y.Doc()
    const [many] = updatesOf(server, (d) => {
      const list = d.getArray('records')
      for (let i = 0; i < 20_000; i++) list.insert(0, [i])
    })
    expect(rootWrites(server, many, ROOTS)).toEqual([])
  })
})
