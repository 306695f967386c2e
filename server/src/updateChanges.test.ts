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
