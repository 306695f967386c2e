import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@roundtable/shared'
import type { RoomExtension } from './extension.ts'
import { copyOf, expectAccepted, expectRefused, roomFixtures, syncFrame, updateOf, type Peer } from './testing.ts'

const { openRoom } = roomFixtures()

/** The update `peer` makes with `change`, handed to the room directly (so a refusal is thrown here). */
function write(peer: Peer, change: (doc: Y.Doc) => void): () => void {
  const update = updateOf(peer.doc, () => change(peer.doc))
  return () => peer.room.handleMessage(peer.conn, syncFrame('update', update))
}

describe('writing as a Yjs client', () => {
  it('a connection that relayed another client’s edits does not lock out their author once the author announces its client id', () => {
    const { room, join } = openRoom()
    // Bob edited offline; Alice's tab carries his edits (as BroadcastChannel does) and reaches the server first.
    const bobDoc = new Y.Doc()
    bobDoc.getMap('m').set('offline', 'by Bob')
    const aliceDoc = copyOf(bobDoc)
    aliceDoc.getMap('m').set('own', 'by Alice')
    const alice = join({ doc: aliceDoc })
    alice.deliver(syncFrame('step2', Y.encodeStateAsUpdate(aliceDoc, Y.encodeStateVector(room.doc))))
    expect(room.doc.getMap('m').toJSON()).toEqual({ offline: 'by Bob', own: 'by Alice' })

    const bob = join({ doc: bobDoc })
    const typing = write(bob, (d) => d.getMap('m').set('typed', 'by Bob'))
    // Until Bob says who he is, the relayer counts as the author of his client id.
    expectRefused(typing, CloseCode.clientIdInUse)
    // A stock client's first presence (clock 0) is never applied, but it names the client id.
    bob.awareness([{ clock: 0, state: { name: 'Bob' } }])
    expectAccepted(typing)
    expect(room.doc.getMap('m').get('typed')).toBe('by Bob')
    // And the relayer may not write as him any more.
    const relayed = copyOf(room.doc)
    relayed.clientID = bob.clientId
    expectRefused(
      () =>
        room.handleMessage(
          alice.conn,
          syncFrame(
            'update',
            updateOf(relayed, () => relayed.getMap('m').set('x', 1)),
          ),
        ),
      CloseCode.clientIdInUse,
    )
  })

  it('nobody may write at a connected author’s next clock; once the author has left, its id is free', () => {
    const { room, join } = openRoom()
    const author = join()
    author.edit((d) => d.getMap('m').set('first', 'real'))
    const forgedDoc = copyOf(author.doc)
    // Set after copying: Yjs would pick another id on seeing its own in an update.
    forgedDoc.clientID = author.clientId
    const forger = join({ doc: forgedDoc })
    const forgery = write(forger, (d) => d.getMap('m').set('second', 'forged'))
    const err = expectRefused(forgery, CloseCode.clientIdInUse)
    expect(err.limit).toBe('client_id')
    author.edit((d) => d.getMap('m').set('second', 'real'))
    expect(author.conn.closed).toBeUndefined()
    expect(room.doc.getMap('m').get('second')).toBe('real')

    // The same client reconnecting on a new socket writes on.
    author.conn.close(1000, 'reconnecting')
    const back = join({ doc: author.doc })
    expectAccepted(write(back, (d) => d.getMap('m').set('third', 'real')))
    expect(room.doc.getMap('m').get('third')).toBe('real')
  })
})

describe('server-owned roots', () => {
  function ownedRoom(refusal: string | undefined) {
    const checkUpdate = vi.fn((): string | undefined => refusal)
    const owner: RoomExtension = { serverOwnedRoots: ['owned'], checkUpdate }
    return { ...openRoom({ extensions: [owner] }), checkUpdate }
  }

  it('an editor’s write into one goes to the owning extension, and its refusal closes with 4409', () => {
    const { room, join, checkUpdate } = ownedRoom('the server writes this')
    const alice = join()
    const err = expectRefused(
      write(alice, (d) => d.getMap('owned').set('k', 1)),
      CloseCode.serverOwned,
    )
    expect(err.message).toBe('the server writes this')
    expect(checkUpdate).toHaveBeenCalledWith(room, [{ root: 'owned', key: 'k', deleted: false, value: 1 }])
    expect(room.doc.getMap('owned').size).toBe(0)

    // Writes elsewhere never ask it.
    checkUpdate.mockClear()
    const bob = join()
    expectAccepted(write(bob, (d) => d.getMap('m').set('k', 1)))
    expect(checkUpdate).not.toHaveBeenCalled()
  })

  it('a write the extension accepts is applied', () => {
    const { room, join, checkUpdate } = ownedRoom(undefined)
    expectAccepted(write(join(), (d) => d.getMap('owned').set('k', 'imported')))
    expect(checkUpdate).toHaveBeenCalledTimes(1)
    expect(room.doc.getMap('owned').get('k')).toBe('imported')
  })
})

describe('the board size limit', () => {
  it('refuses a write that would take the board past MAX_BOARD_BYTES with 4413, and takes one that fits', () => {
    const { room, join } = openRoom({ maxBoardBytes: 1000 })
    const alice = join()
    const err = expectRefused(
      write(alice, (d) => d.getText('t').insert(0, 'x'.repeat(1000))),
      CloseCode.boardTooLarge,
    )
    expect(err.limit).toBe('board_bytes')
    expect(room.doc.getText('t').length).toBe(0)
    const bob = join()
    expectAccepted(write(bob, (d) => d.getText('t').insert(0, 'x'.repeat(100))))
    expect(room.doc.getText('t').length).toBe(100)
  })
})

describe('the record size limit', () => {
  it('refuses an update holding one record past MAX_RECORD_BYTES with 4414; smaller records and big texts elsewhere pass', () => {
    const { room, join } = openRoom({ maxRecordBytes: 4096 })
    const alice = join()
    const records = (d: Y.Doc) => d.getArray<{ key: string; val: unknown }>('records')
    const err = expectRefused(
      write(alice, (d) => records(d).push([{ key: 'shape:a', val: { id: 'shape:a', props: { text: 'x'.repeat(5000) } } }])),
      CloseCode.recordTooLarge,
    )
    expect(err.limit).toBe('record_bytes')
    expect(err.message).toMatch(/a record is too big \(\d+ characters; the limit is 4096\)/)
    expect(room.doc.getArray('records').length).toBe(0)
    const bob = join()
    expectAccepted(write(bob, (d) => records(d).push([{ key: 'shape:b', val: { id: 'shape:b', props: { text: 'x'.repeat(3000) } } }])))
    // An asset's picture does not count.
    const photo = { id: 'asset:p', typeName: 'asset', props: { src: `data:image/png;base64,${'A'.repeat(8000)}` } }
    expectAccepted(write(bob, (d) => records(d).push([{ key: 'asset:p', val: photo }])))
    expect(room.doc.getArray('records').length).toBe(2)
  })
})
