import { afterEach, describe, expect, it, vi } from 'vitest'
import { CloseCode } from '@roundtable/shared'
import { STORAGE_RETRY_MIN_MS } from './boardWriter.ts'
import { expectAccepted, expectRefused, flushed, roomFixtures, syncFrame, updateOf, type Peer, type RoomFixture } from './testing.ts'

const { openRoom } = roomFixtures()

afterEach(() => {
  vi.useRealTimers()
})

/** A room on a board that holds `k: 'stored'`, with two editors and a view-only link on it. */
function boardWithPeople() {
  const fixture = openRoom({ seed: (d) => d.getMap('m').set('k', 'stored') })
  return { ...fixture, alice: fixture.join(), bob: fixture.join(), viewer: fixture.join({ readOnly: true }) }
}

/** `writer` edits while storage refuses writes; its batch is flushed (and refused) now. */
function failedWrite({ room, sqlite }: RoomFixture, writer: Peer) {
  sqlite.failWrites = true
  writer.edit((d) => d.getMap('m').set('k', 'lost'))
  room.flush()
}

describe('when storage refuses a batch', () => {
  it('closes that batch’s writers with 4500, keeps everyone else, and takes the board back to what is stored', async () => {
    const fixture = boardWithPeople()
    const { room, alice, bob, viewer } = fixture
    const seen = { bob: bob.conn.sent.length, viewer: viewer.conn.sent.length }
    failedWrite(fixture, alice)
    expect(alice.conn.closed?.code).toBe(CloseCode.storageFailed)
    expect(bob.conn.closed).toBeUndefined()
    expect(viewer.conn.closed).toBeUndefined()
    expect(room.health).toBe('refusing')
    expect(room.doc.getMap('m').get('k')).toBe('stored')
    await flushed()
    // Nothing unstored was sent.
    expect(bob.conn.syncPayloads('update', seen.bob)).toEqual([])
    expect(viewer.conn.syncPayloads('update', seen.viewer)).toEqual([])
    expect([...room.connections().keys()]).toEqual([bob.conn, viewer.conn])
  })

  it('refuses every editor’s write with 4500 until storage works again', () => {
    const fixture = boardWithPeople()
    const { room, alice, bob } = fixture
    failedWrite(fixture, alice)
    const edit = updateOf(bob.doc, () => bob.doc.getMap('m').set('k', 'by Bob'))
    expectRefused(() => room.handleMessage(bob.conn, syncFrame('update', edit)), CloseCode.storageFailed)
    expect(room.doc.getMap('m').get('k')).toBe('stored')
  })

  it('retries after 500 ms, then after twice as long each time, and takes writes again once a probe works', async () => {
    vi.useFakeTimers()
    const fixture = boardWithPeople()
    const { room, sqlite, alice, join } = fixture
    const probe = vi.spyOn(sqlite, 'probeWrite')
    failedWrite(fixture, alice)
    expect(STORAGE_RETRY_MIN_MS).toBe(500)
    let elapsed = 0
    for (const [i, wait] of [500, 1000, 2000].entries()) {
      await vi.advanceTimersByTimeAsync(wait - 1)
      expect(probe, `${elapsed + wait - 1} ms after the failure`).toHaveBeenCalledTimes(i)
      await vi.advanceTimersByTimeAsync(1)
      expect(probe, `${elapsed + wait} ms after the failure`).toHaveBeenCalledTimes(i + 1)
      elapsed += wait
    }
    expect(room.health).toBe('refusing')

    // Someone opening the board meanwhile: a viewer syncs, an editor is asked for its edits only later.
    const carol = join()
    const viewer = join({ readOnly: true })
    expect(carol.conn.syncPayloads('step1')).toHaveLength(0)
    expect(viewer.conn.syncPayloads('step1')).toHaveLength(1)

    sqlite.failWrites = false
    await vi.advanceTimersByTimeAsync(3999)
    expect(room.health).toBe('refusing')
    await vi.advanceTimersByTimeAsync(1)
    expect(probe).toHaveBeenCalledTimes(4)
    expect(room.health).toBe('ok')
    expect(carol.conn.syncPayloads('step1')).toHaveLength(1)
    expectAccepted(() =>
      room.handleMessage(
        carol.conn,
        syncFrame(
          'update',
          updateOf(carol.doc, () => carol.doc.getMap('m').set('k', 'by Carol')),
        ),
      ),
    )
    room.flush()
    expect(viewer.conn.syncPayloads('update')).toHaveLength(1)
  })

  it('drops the board with everyone on it when not even what is stored can be read back', () => {
    const fixture = boardWithPeople()
    const { room, sqlite, onFailed, alice, bob, viewer } = fixture
    sqlite.failLoads = true
    failedWrite(fixture, alice)
    expect(room.health).toBe('failed')
    for (const peer of [alice, bob, viewer]) expect(peer.conn.closed?.code).toBe(CloseCode.storageFailed)
    expect(onFailed).toHaveBeenCalledWith(room)
    expect(room.connectionCount).toBe(0)
  })
})
