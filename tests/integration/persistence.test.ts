/**
 * Durability against the real server process and its real SQLite files: a graceful restart, a
 * kill -9 right after a peer saw updates (the server persists before it broadcasts), and
 * compaction of the update log.
 */
import { describe, it, expect, afterAll } from 'vitest'
import * as Y from 'yjs'
import { boardRecords } from '@roundtable/shared'
import type { ServerProcess } from '../support/server.ts'
import { eventually, type YClient } from '../support/yclient.ts'
import { Harness, boardId, boardTag, countRows, getJson, readDb, record, snapshot, stateVectorHex, withTimeout } from './helpers.ts'

const h = new Harness()

afterAll(async () => {
  await h.dispose()
})

/** One update per call: a log entry, a map key and a YKeyValue record in one transaction. */
function writeOne(client: YClient, kv: ReturnType<typeof boardRecords>, key: string, n: number) {
  client.doc.transact(() => {
    client.doc.getArray<string>('log').push([key])
    client.doc.getMap('items').set(key, n)
    kv.set(`shape:${key}`, record(`shape:${key}`, { n }))
  })
}

/** The first close code each provider saw (later ones are failed reconnects). */
function firstCloseCodes(clients: YClient[]): Array<number | null | undefined> {
  const codes: Array<number | null | undefined> = clients.map(() => undefined)
  clients.forEach((c, i) =>
    c.provider.on('connection-close', (event) => {
      if (codes[i] === undefined) codes[i] = event?.code ?? null
    }),
  )
  return codes
}

describe('graceful restart', () => {
  it('a board survives SIGTERM and a restart on the same DATA_DIR', async () => {
    const first = await h.server()
    const board = boardId()
    const otherBoard = boardId()
    const writer = await h.client(first, board)
    const peer = await h.client(first, board)
    const other = await h.client(first, otherBoard)
    const kv = boardRecords(writer.doc)
    for (let k = 0; k < 40; k++) writeOne(writer, kv, `k${k}`, k)
    // Overwrites and deletions must survive too, not just inserts.
    kv.set('shape:k0', record('shape:k0', { n: 'overwritten' }))
    writer.doc.getMap('items').delete('k1')
    writer.doc.getArray('log').delete(2, 1)
    other.doc.getMap('items').set('other', 'board')

    await eventually(() => expect(snapshot(peer.doc)).toEqual(snapshot(writer.doc)))
    const expected = snapshot(writer.doc)
    const expectedSv = stateVectorHex(writer.doc)
    const expectedOther = snapshot(other.doc)
    expect(expected.log).toHaveLength(39)
    expect(expected.records['shape:k0']).toEqual(record('shape:k0', { n: 'overwritten' }))

    const closeCodes = firstCloseCodes([writer, peer, other])
    expect(await withTimeout(first.stop('SIGTERM'), 10_000, 'server did not exit on SIGTERM')).toBe(0)
    // Every connection was told the server is restarting (1012), so clients reconnect.
    await eventually(() => expect(closeCodes).toEqual([1012, 1012, 1012]), 5_000)
    for (const c of [writer, peer, other]) h.drop(c)

    // Shutdown folded each board's log into its stored state.
    readDb(first.dataDir, (db) => {
      expect(countRows(db, 'board_state', board)).toBe(1)
      expect(countRows(db, 'board_updates', board)).toBe(0)
      expect(countRows(db, 'board_state', otherBoard)).toBe(1)
    })

    const second = await h.server({ dataDir: first.dataDir })
    const fresh = await h.client(second, board)
    expect(snapshot(fresh.doc)).toEqual(expected)
    expect(stateVectorHex(fresh.doc)).toBe(expectedSv)
    const freshOther = await h.client(second, otherBoard)
    expect(snapshot(freshOther.doc)).toEqual(expectedOther)
  })
})

describe('kill -9', () => {
  it('every update a peer observed survives SIGKILL and a restart (3 rounds, different amounts)', async () => {
    // Compaction every 250 updates, so the larger rounds are killed around compactions too.
    const env = { COMPACT_AFTER_UPDATES: '250' }
    let server: ServerProcess = await h.server({ env })
    const dataDir = server.dataDir
    const board = boardId()
    /** Everything persisted by earlier rounds; it must never go missing later. */
    let persisted: string[] = []
    const rounds = [
      { updates: 30, killAfterPeerSaw: 30 },
      { updates: 400, killAfterPeerSaw: 400 },
      // Killed while the writers' updates are still streaming in.
      { updates: 1600, killAfterPeerSaw: 700 },
    ]

    for (const [r, { updates, killAfterPeerSaw }] of rounds.entries()) {
      const writers = [await h.client(server, board), await h.client(server, board)]
      const peer = await h.client(server, board)
      const peerLog = peer.doc.getArray<string>('log')
      const before = peerLog.length
      const victim = server
      // Kill from inside the peer's observer: the moment it has seen enough, not a poll later.
      const peerSawEnough = new Promise<void>((resolve) => {
        peerLog.observe(() => {
          if (peerLog.length - before >= killAfterPeerSaw && victim.proc.exitCode === null && victim.proc.signalCode === null) {
            victim.proc.kill('SIGKILL')
            resolve()
          }
        })
      })
      const kvs = writers.map((w) => boardRecords(w.doc))
      // Paced in bursts of 50 across event-loop turns, so a kill before the end lands while
      // updates are still arriving rather than after the server drained them all.
      const writing = (async () => {
        for (let k = 0; k < updates; k++) {
          writeOne(writers[k % 2], kvs[k % 2], `r${r}-${k}`, k)
          if (k % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 2))
        }
      })()

      await withTimeout(peerSawEnough, 20_000, `peer did not observe ${killAfterPeerSaw} updates in round ${r}`)
      expect(await withTimeout(victim.stop('SIGKILL'), 10_000, 'server did not die')).toBeNull()
      expect(victim.proc.signalCode).toBe('SIGKILL')
      // What the peer saw was broadcast, so it must have been stored first.
      const peerSaw = snapshot(peer.doc)
      const peerSv = Y.decodeStateVector(Y.encodeStateVector(peer.doc))
      await writing
      for (const c of [...writers, peer]) h.drop(c)
      expect(peerSaw.log.length - before).toBeGreaterThanOrEqual(killAfterPeerSaw)

      server = await h.server({ dataDir, env })
      const fresh = await h.client(server, board)
      const got = snapshot(fresh.doc)
      const gotSv = Y.decodeStateVector(Y.encodeStateVector(fresh.doc))
      const gotLog = new Set(got.log)
      expect(gotLog.size, 'no entry is duplicated').toBe(got.log.length)
      const missingLog = [...persisted, ...peerSaw.log].filter((key) => !gotLog.has(key))
      expect(missingLog, `round ${r}: log entries the peer saw but the restarted server lost`).toEqual([])
      for (const [key, value] of Object.entries(peerSaw.items)) expect(got.items[key]).toEqual(value)
      for (const [key, value] of Object.entries(peerSaw.records)) expect(got.records[key]).toEqual(value)
      for (const [client, clock] of peerSv) expect(gotSv.get(client) ?? 0).toBeGreaterThanOrEqual(clock)
      persisted = got.log
      h.drop(fresh)
    }
    expect(persisted.length).toBeGreaterThanOrEqual(30 + 400 + 700)
  })
})

describe('compaction', () => {
  it('folds the update log into board_state and a reconnecting client still sees everything', async () => {
    const server = await h.server({ env: { COMPACT_AFTER_UPDATES: '10', ROOM_IDLE_MS: '100' } })
    const board = boardId()
    const writer = await h.client(server, board)
    const peer = await h.client(server, board)
    const kv = boardRecords(writer.doc)
    const UPDATES = 53
    // One at a time, each seen by the peer before the next: the server stores what arrives in one
    // tick as one row, so writing them all at once could leave too few rows to compact.
    for (let k = 0; k < UPDATES; k++) {
      writeOne(writer, kv, `k${k}`, k)
      await eventually(() => expect(snapshot(peer.doc).log).toHaveLength(k + 1))
    }
    const expected = snapshot(writer.doc)
    const expectedSv = stateVectorHex(writer.doc)

    // While the board is loaded, the log is already being folded every 10 updates.
    readDb(server.dataDir, (db) => {
      expect(countRows(db, 'board_updates', board)).toBeLessThan(10)
      expect(countRows(db, 'board_state', board)).toBe(1)
    })

    h.drop(writer)
    h.drop(peer)
    const unloaded = new RegExp(`"board":"${boardTag(board)}"[^\\n]*"msg":"board unloaded"`)
    await eventually(() => expect(server.output()).toMatch(unloaded), 5_000)
    expect((await getJson(`${server.url}/readyz`)).body).toMatchObject({ status: 'ready', boardsLoaded: 0 })

    const stored = readDb(server.dataDir, (db) => {
      expect(countRows(db, 'board_updates', board)).toBeLessThan(10)
      expect(countRows(db, 'board_state', board)).toBe(1)
      const state = db.prepare('SELECT data FROM board_state WHERE board_id = ?').get(board) as { data: Buffer }
      const updates = db.prepare('SELECT data FROM board_updates WHERE board_id = ? ORDER BY seq').all(board) as Array<{ data: Buffer }>
      return { state: state.data, updates: updates.map((u) => u.data) }
    })
    // What is on disk alone rebuilds the whole board.
    const rebuilt = new Y.Doc()
    Y.applyUpdate(rebuilt, stored.state)
    for (const u of stored.updates) Y.applyUpdate(rebuilt, u)
    expect(snapshot(rebuilt)).toEqual(expected)
    rebuilt.destroy()

    const fresh = await h.client(server, board)
    expect(snapshot(fresh.doc)).toEqual(expected)
    expect(stateVectorHex(fresh.doc)).toBe(expectedSv)
  })
})
