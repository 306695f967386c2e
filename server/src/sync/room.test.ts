import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { CloseCode } from '@roundtable/shared'
import type { RoomExtension } from './extension.ts'
import { DeferredStorage, docOf, expectRefused, flushed, roomFixtures, syncFrame, updateOf, BOARD_ID } from './testing.ts'

const { openRoom } = roomFixtures()

describe('joining a room', () => {
  it('sends sync step 1 with the board’s state vector, then everyone’s presence', () => {
    const { room, join } = openRoom({ seed: (d) => d.getMap('m').set('k', 'stored') })
    const alice = join()
    const [step1] = alice.conn.messages()
    expect(step1.kind).toBe('step1')
    expect(step1.kind === 'step1' && Y.decodeStateVector(step1.payload)).toEqual(Y.decodeStateVector(Y.encodeStateVector(room.doc)))
    // Nobody has presence yet: nothing more.
    expect(alice.conn.sent).toHaveLength(1)

    alice.awareness([{ clock: 1, state: { name: 'Alice' } }])
    const bob = join()
    const kinds = bob.conn.messages().map((m) => m.kind)
    expect(kinds).toEqual(['step1', 'awareness'])
    const presence = new awarenessProtocol.Awareness(new Y.Doc())
    const awareness = bob.conn.messages()[1]
    awarenessProtocol.applyAwarenessUpdate(presence, awareness.kind === 'awareness' ? awareness.payload : new Uint8Array(), null)
    expect(presence.getStates().get(alice.clientId)).toEqual({ name: 'Alice' })
    presence.destroy()
  })

  it('answers the step 1 of a client with nothing from the stored bytes, then sends its own', async () => {
    const { join } = openRoom({ seed: (d) => d.getMap('m').set('k', 'stored') })
    // A fresh doc, so that nothing decodes the board before the client asks.
    const alice = join({ doc: new Y.Doc() })
    expect(alice.conn.sent).toHaveLength(0)
    alice.deliver(syncFrame('step1', Y.encodeStateVector(alice.doc)))
    expect(alice.conn.messages().map((m) => m.kind)).toEqual(['step2'])
    Y.applyUpdate(alice.doc, alice.conn.syncPayloads('step2')[0])
    expect(alice.doc.getMap('m').get('k')).toBe('stored')
    await new Promise((resolve) => setImmediate(resolve))
    expect(alice.conn.messages().map((m) => m.kind)).toEqual(['step2', 'step1'])
  })
})

describe('an editor’s update', () => {
  it('is stored before any other connection receives it', async () => {
    const { room, sqlite, join } = openRoom()
    const alice = join()
    const bob = join()
    const storedWhenSent: number[] = []
    bob.conn.onSend = () => storedWhenSent.push(docOf(sqlite.load(BOARD_ID)).getMap('m').size)
    const before = bob.conn.sent.length
    alice.edit((d) => d.getMap('m').set('k', 'v'))
    // Applied at once, sent to nobody yet.
    expect(room.doc.getMap('m').get('k')).toBe('v')
    expect(bob.conn.sent).toHaveLength(before)
    await flushed()
    expect(bob.conn.syncPayloads('update', before)).toHaveLength(1)
    expect(storedWhenSent).toEqual([1])
    // The sender does not get its own update back.
    expect(alice.conn.syncPayloads('update')).toHaveLength(0)
  })

  it('goes out as one message per sender for each stored batch', async () => {
    const { join } = openRoom()
    const alice = join()
    const bob = join()
    const watcher = join()
    const since = watcher.conn.sent.length
    for (let i = 0; i < 3; i++) alice.edit((d) => d.getMap('m').set(`a${i}`, i))
    bob.edit((d) => d.getMap('m').set('b', 1))
    await flushed()
    const updates = watcher.conn.syncPayloads('update', since)
    expect(updates).toHaveLength(2)
    for (const u of updates) Y.applyUpdate(watcher.doc, u)
    expect(watcher.doc.getMap('m').toJSON()).toEqual({ a0: 0, a1: 1, a2: 2, b: 1 })
    expect(alice.conn.syncPayloads('update')).toHaveLength(1)
    expect(bob.conn.syncPayloads('update')).toHaveLength(1)
  })

  it('from a view-only link is refused with 4403 when it would change the board, and ignored when empty', () => {
    const { room, join } = openRoom({ seed: (d) => d.getMap('m').set('k', 'stored') })
    const viewer = join({ readOnly: true })
    // A stock client's sync step 2: what it has that the server lacks (nothing).
    room.handleMessage(viewer.conn, syncFrame('step2', Y.encodeStateAsUpdate(viewer.doc, Y.encodeStateVector(room.doc))))
    const change = updateOf(viewer.doc, () => viewer.doc.getMap('m').set('k', 'forged'))
    const err = expectRefused(() => room.handleMessage(viewer.conn, syncFrame('update', change)), CloseCode.viewOnly)
    expect(err.limit).toBe('view_only')
    expect(room.doc.getMap('m').get('k')).toBe('stored')
  })
})

describe('keeping a quiet connection alive', () => {
  it('sends an awareness message with no states', () => {
    const { room, join } = openRoom()
    const alice = join()
    const before = alice.conn.sent.length
    room.keepAlive(alice.conn)
    expect(alice.conn.sent.slice(before)).toEqual([new Uint8Array([1, 1, 0])])
  })
})

describe('an asynchronous store', () => {
  /** A room whose store answers appends with a Promise the test settles. */
  function asyncRoom(extensions: RoomExtension[] = []) {
    let deferred!: DeferredStorage
    const fixture = openRoom({ storage: (sqlite) => (deferred = new DeferredStorage(sqlite)), extensions })
    return { ...fixture, deferred }
  }

  it('sends nothing before the append resolves', async () => {
    const { deferred, join } = asyncRoom()
    const alice = join()
    const bob = join()
    const since = bob.conn.sent.length
    alice.edit((d) => d.getMap('m').set('k', 'v'))
    await flushed()
    expect(deferred.appends).toHaveLength(1)
    expect(bob.conn.sent).toHaveLength(since)
    deferred.appends[0].resolve()
    await flushed()
    expect(bob.conn.syncPayloads('update', since)).toHaveLength(1)
  })

  it('keeps one append in flight per board, in order', async () => {
    const { room, deferred, sqlite, join } = asyncRoom()
    const alice = join()
    const bob = join()
    const since = bob.conn.sent.length
    alice.edit((d) => d.getMap('m').set('k', 'first'))
    await flushed()
    alice.edit((d) => d.getMap('m').set('k', 'second'))
    alice.edit((d) => d.getArray('list').push(['third']))
    await flushed()
    // The second batch waits for the first, whatever asks for a flush meanwhile: someone
    // joining (our step 1 names only what is stored), or the room being told to flush.
    const carol = join()
    expect(room.flush()).toBe(false)
    expect(deferred.appends).toHaveLength(1)
    expect(carol.conn.sent).toHaveLength(0)
    deferred.appends[0].resolve()
    await flushed()
    expect(deferred.appends).toHaveLength(2)
    expect(bob.conn.syncPayloads('update', since)).toHaveLength(1)
    deferred.appends[1].resolve()
    await flushed()
    expect(deferred.maxInFlight).toBe(1)
    // Her step 1 came once nothing applied before it was left unstored.
    expect(carol.conn.messages().map((m) => m.kind)).toEqual(['update', 'update', 'step1'])
    const received = new Y.Doc()
    const updates = bob.conn.syncPayloads('update', since)
    expect(updates).toHaveLength(2)
    Y.applyUpdate(received, updates[0])
    expect(received.getMap('m').get('k')).toBe('first')
    Y.applyUpdate(received, updates[1])
    expect(received.getMap('m').get('k')).toBe('second')
    expect(docOf(sqlite.load(BOARD_ID)).getArray('list').toJSON()).toEqual(['third'])
  })

  it('refuses the batch when the append is rejected: its writer is closed with 4500 and the board goes back to what is stored', async () => {
    const { room, deferred, join } = asyncRoom()
    const alice = join()
    alice.edit((d) => d.getMap('m').set('k', 'kept'))
    await flushed()
    deferred.appends[0].resolve()
    await flushed()
    const bob = join()
    const viewer = join({ readOnly: true })
    const since = viewer.conn.sent.length
    alice.edit((d) => d.getMap('m').set('k', 'lost'))
    await flushed()
    deferred.appends[1].reject(new Error('network down'))
    await flushed()
    expect(alice.conn.closed?.code).toBe(CloseCode.storageFailed)
    expect(bob.conn.closed).toBeUndefined()
    expect(viewer.conn.closed).toBeUndefined()
    expect(viewer.conn.syncPayloads('update', since)).toHaveLength(0)
    expect(room.health).toBe('refusing')
    expect(room.doc.getMap('m').get('k')).toBe('kept')
  })

  it('answers a request only once what was applied before it is stored', async () => {
    const ping: RoomExtension = { requests: { 'test.ping': () => 'pong' } }
    const { deferred, join } = asyncRoom([ping])
    const alice = join()
    alice.edit((d) => d.getMap('m').set('k', 'v'))
    const id = alice.request('test.ping')
    await flushed()
    expect(alice.reply(id)).toBeUndefined()
    deferred.appends[0].resolve()
    await flushed()
    expect(alice.reply(id)).toEqual({ id, ok: true, result: 'pong' })

    // When the append fails, the editor is closed instead of answered.
    alice.edit((d) => d.getMap('m').set('k', 'w'))
    const second = alice.request('test.ping')
    await flushed()
    deferred.appends[1].reject(new Error('network down'))
    await flushed()
    expect(alice.reply(second)).toBeUndefined()
    expect(alice.conn.closed?.code).toBe(CloseCode.storageFailed)
  })
})
