/**
 * A board store that answers every call later (as PostgreSQL across a network does) behind the
 * real server, in this process: stock y-websocket clients still sync, see each other's edits
 * only once stored, and find everything again after a restart. The store is the real SQLite
 * store, each answer delayed.
 */
import { describe, it, expect, afterAll } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { configFromEnv, createLogger, SqliteStorage, startServer, type BoardStorage, type RoundtableServer } from '@roundtable/server'
import { boardRecords, newBoardId } from '@roundtable/shared'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'

const DELAY_MS = 15
const later = <T>(value: () => T): Promise<T> =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(value())
      } catch (err) {
        reject(err)
      }
    }, DELAY_MS),
  )

/** Every call answered DELAY_MS later; records what was appended when, to check the order. */
class LateStorage implements BoardStorage {
  appended: string[] = []
  constructor(private inner: SqliteStorage) {}
  load = (boardId: string) => later(() => this.inner.load(boardId))
  appendUpdate = (boardId: string, update: Uint8Array) =>
    later(() => {
      this.inner.appendUpdate(boardId, update)
      this.appended.push(boardId)
    })
  compact = (boardId: string, state: Uint8Array, stateVector?: Uint8Array) => later(() => this.inner.compact(boardId, state, stateVector))
  moveAside = (...args: Parameters<SqliteStorage['moveAside']>) => later(() => this.inner.moveAside(...args))
  saveViewToken = (token: string, boardId: string) => later(() => this.inner.saveViewToken(token, boardId))
  boardForViewToken = (token: string) => later(() => this.inner.boardForViewToken(token))
  isReachable = () => later(() => this.inner.isReachable())
  writesFailing = () => later(() => this.inner.writesFailing())
  probeWrite = () => later(() => this.inner.probeWrite())
  close = () => this.inner.close()
}

const dirs: string[] = []
const servers: RoundtableServer[] = []
const clients: YClient[] = []

async function start(dataDir: string) {
  const config = { ...configFromEnv({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), clientDist: undefined }
  const storage = new LateStorage(new SqliteStorage(dataDir))
  const server = await startServer(config, { logger: createLogger('silent'), storage })
  servers.push(server)
  return { server, storage }
}

function client(server: RoundtableServer, boardId: string) {
  const c = connectClient(`${server.url.replace('http', 'ws')}/sync`, boardId)
  clients.push(c)
  return c
}

afterAll(async () => {
  for (const c of clients) c.destroy()
  for (const s of servers) await s.close()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe('a store that answers later', () => {
  it('syncs, sends only what is stored, and keeps everything across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-late-'))
    dirs.push(dataDir)
    const boardId = newBoardId()
    let { server, storage } = await start(dataDir)
    // Both connect while the board is still loading: their first frames wait for it.
    const [alice, bob] = [client(server, boardId), client(server, boardId)]
    await Promise.all([whenSynced(alice), whenSynced(bob)])
    // Bob hears of Alice's edits only once they are stored.
    const storedWhenBobHeard: number[] = []
    bob.doc.on('update', () => storedWhenBobHeard.push(storage.appended.length))
    const aliceKv = boardRecords(alice.doc)
    for (let i = 0; i < 20; i++) aliceKv.set(`shape:${i}`, { id: `shape:${i}`, typeName: 'shape', x: i })
    await eventually(() => expect(boardRecords(bob.doc).map.size).toBe(20))
    expect(storedWhenBobHeard.length).toBeGreaterThan(0)
    expect(storedWhenBobHeard.every((n) => n > 0)).toBe(true)

    // A view link resolved through the late store, and readiness asked of it.
    const link = (await (await fetch(`${server.url}/api/boards/${boardId}/view-link`)).json()) as { token: string }
    const viewer = connectClient(`${server.url.replace('http', 'ws')}/sync/view`, link.token)
    clients.push(viewer)
    await whenSynced(viewer)
    expect(boardRecords(viewer.doc).map.size).toBe(20)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)

    await server.close()
    ;({ server, storage } = await start(dataDir))
    const carol = client(server, boardId)
    await whenSynced(carol)
    expect(boardRecords(carol.doc).map.size).toBe(20)
  })
})
