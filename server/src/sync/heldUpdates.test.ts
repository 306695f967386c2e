import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@roundtable/shared'
import { MAX_HELD_BYTES_PER_BOARD, MAX_HELD_BYTES_PER_CONNECTION, MAX_HELD_UPDATES_PER_CONNECTION } from './heldUpdates.ts'
import { copyOf, flushed, roomFixtures, syncFrame, updateOf, type Peer } from './testing.ts'

const { openRoom } = roomFixtures()

/** Two edits by `peer`, the second building on the first; neither sent. */
function twoEdits(peer: Peer, second = 'b') {
  const text = peer.doc.getText('t')
  const first = updateOf(peer.doc, () => text.insert(0, 'a'))
  return { first, second: updateOf(peer.doc, () => text.insert(1, second)) }
}

describe('an update that arrives before what it builds on', () => {
  it('is held, and applied when what it builds on arrives on the same connection', async () => {
    const { room, join } = openRoom()
    const alice = join()
    const watcher = join()
    const since = watcher.conn.sent.length
    const { first, second } = twoEdits(alice)
    alice.deliver(syncFrame('update', second))
    expect(alice.conn.closed).toBeUndefined()
    expect(room.doc.getText('t').toString()).toBe('')
    await flushed()
    expect(watcher.conn.syncPayloads('update', since)).toEqual([])

    alice.deliver(syncFrame('update', first))
    expect(room.doc.getText('t').toString()).toBe('ab')
    await flushed()
    for (const update of watcher.conn.syncPayloads('update', since)) Y.applyUpdate(watcher.doc, update)
    expect(watcher.doc.getText('t').toString()).toBe('ab')
  })

  /** Alice deletes Zoe's note, which another tab showed her, before the server has the note. */
  function deletionBeforeInsert() {
    const { room, join } = openRoom()
    const zoe = join()
    const insert = updateOf(zoe.doc, () => zoe.doc.getMap('m').set('z', 'by Zoe'))
    const aliceDoc = copyOf(room.doc)
    Y.applyUpdate(aliceDoc, insert)
    const alice = join({ doc: aliceDoc })
    alice.deliver(
      syncFrame(
        'update',
        updateOf(aliceDoc, () => aliceDoc.getMap('m').delete('z')),
      ),
    )
    expect(alice.conn.closed).toBeUndefined()
    return { room, zoe, alice, insert }
  }

  it('is released when what it builds on comes from another connection', () => {
    const { room, zoe, insert } = deletionBeforeInsert()
    zoe.deliver(syncFrame('update', insert))
    expect(Y.decodeStateVector(Y.encodeStateVector(room.doc)).get(zoe.clientId)).toBe(1)
    expect(room.doc.getMap('m').has('z')).toBe(false)
  })

  it('is dropped when its connection leaves', () => {
    const { room, zoe, alice, insert } = deletionBeforeInsert()
    alice.conn.close(1000, 'gone')
    zoe.deliver(syncFrame('update', insert))
    expect(room.doc.getMap('m').get('z')).toBe('by Zoe')
  })
})

describe('how much may be held', () => {
  it(`closes a connection with 4520 past ${MAX_HELD_UPDATES_PER_CONNECTION} held updates`, () => {
    const { join } = openRoom()
    const alice = join()
    const { second } = twoEdits(alice)
    for (let i = 0; i < MAX_HELD_UPDATES_PER_CONNECTION; i++) alice.deliver(syncFrame('update', second))
    expect(alice.conn.closed).toBeUndefined()
    alice.deliver(syncFrame('update', second))
    expect(alice.conn.closed?.code).toBe(CloseCode.outOfSync)
  })

  it('closes with 4520 past the bytes one connection or the whole board may hold, and frees a leaver’s share', () => {
    const { join } = openRoom()
    const alice = join()
    // About a megabyte each, waiting for Alice's first edit.
    const { second: big } = twoEdits(alice, 'x'.repeat(1_000_000))
    const perConnection = Math.floor(MAX_HELD_BYTES_PER_CONNECTION / big.length)
    const connections = Math.floor(MAX_HELD_BYTES_PER_BOARD / (perConnection * big.length))
    expect([perConnection, connections]).toEqual([4, 4])
    const holders = [alice, ...Array.from({ length: connections - 1 }, () => join())]
    for (const holder of holders) {
      for (let i = 0; i < perConnection; i++) holder.deliver(syncFrame('update', big))
      expect(holder.conn.closed).toBeUndefined()
    }
    // One more on a connection that holds its share.
    alice.deliver(syncFrame('update', big))
    expect(alice.conn.closed?.code).toBe(CloseCode.outOfSync)
    // Alice's share was freed with her: three connections hold 12 MB, room for four more.
    const late = join()
    for (let i = 0; i < perConnection; i++) late.deliver(syncFrame('update', big))
    expect(late.conn.closed).toBeUndefined()
    // The board is full: a connection holding nothing yet is closed on its first.
    const last = join()
    last.deliver(syncFrame('update', big))
    expect(last.conn.closed?.code).toBe(CloseCode.outOfSync)
  })
})
