import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { updateChangesDoc } from './updateChanges.ts'

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
    const { inspectUpdate } = await import('./updateChanges.ts')
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
    const { inspectUpdate } = await import('./updateChanges.ts')
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
