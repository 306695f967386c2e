/**
 * The real server process with DATABASE_URL set: every store in a throwaway PostgreSQL cluster,
 * nothing in DATA_DIR. Stock y-websocket clients sync, view links and the HTTP API work, and a
 * restarted process (with a new, empty DATA_DIR) finds everything again.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { boardRecords, newBoardId } from '@roundtable/shared'
import pg from 'pg'
import { startPostgres, type TestPostgres } from '../support/postgres.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { tempDataDir } from '../support/server.ts'
import { Harness } from './helpers.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const h = new Harness()
let db: TestPostgres
const clients: YClient[] = []

beforeAll(async () => {
  db = await startPostgres()
}, 60_000)

afterAll(async () => {
  for (const c of clients) c.destroy()
  await h.dispose()
  await db?.stop()
})

function client(wsUrl: string, boardId: string) {
  const c = connectClient(wsUrl, boardId)
  clients.push(c)
  return c
}

describe('one process on PostgreSQL', () => {
  it('syncs, serves view links and the API, and keeps every board in the database across a restart', async () => {
    const boardId = newBoardId()
    let server = await h.server({ env: { DATABASE_URL: db.url } })
    expect(server.output()).toMatch(/storing boards with PostgreSQL at postgres:\/\/rt@127\.0\.0\.1/)
    const [alice, bob] = [client(server.wsUrl, boardId), client(server.wsUrl, boardId)]
    await Promise.all([whenSynced(alice), whenSynced(bob)])
    for (let i = 0; i < 10; i++) boardRecords(alice.doc).set(`shape:${i}`, { id: `shape:${i}`, typeName: 'shape', x: i })
    await eventually(() => expect(boardRecords(bob.doc).map.size).toBe(10))
    const link = (await (await fetch(`${server.url}/api/boards/${boardId}/view-link`)).json()) as { token: string }
    const snapshot = await fetch(`${server.url}/api/boards/${boardId}/snapshots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Before lunch' }),
    })
    expect(snapshot.status).toBe(201)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    // Nothing of the board is kept in DATA_DIR.
    expect(fs.readdirSync(server.dataDir)).toEqual([])

    expect(await server.stop('SIGTERM')).toBe(0)
    for (const c of clients.splice(0)) c.destroy()
    server = await h.server({ env: { DATABASE_URL: db.url }, dataDir: tempDataDir() })
    const carol = client(server.wsUrl, boardId)
    await whenSynced(carol)
    expect(boardRecords(carol.doc).map.size).toBe(10)
    // The view link still opens the board: the secret it derives from is in the database.
    const viewer = client(`${server.wsUrl}/view`, link.token)
    await whenSynced(viewer)
    expect(boardRecords(viewer.doc).map.size).toBe(10)
    const list = (await (await fetch(`${server.url}/api/boards/${boardId}/snapshots`)).json()) as { snapshots: { name: string }[] }
    expect(list.snapshots.map((s) => s.name)).toContain('Before lunch')

    expect(await server.stop('SIGTERM')).toBe(0)
  }, 60_000)

  it('when the database goes away, writes are refused and /readyz says 503; once it is back, boards take writes again without a restart', async () => {
    const boardId = newBoardId()
    const server = await h.server({ env: { DATABASE_URL: db.url } })
    const alice = client(server.wsUrl, boardId)
    const closes: number[] = []
    alice.provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0))
    await whenSynced(alice)
    boardRecords(alice.doc).set('shape:before', { id: 'shape:before', typeName: 'shape' })
    // On another database of the cluster: `rt` itself is about to refuse connections.
    const admin = new pg.Client({ connectionString: db.adminUrl.replace(/\/rt$/, '/postgres') })
    await admin.connect()
    try {
      await eventually(async () => {
        const fresh = client(server.wsUrl, boardId)
        await whenSynced(fresh)
        expect(boardRecords(fresh.doc).map.has('shape:before')).toBe(true)
        fresh.destroy()
      })
      // The database stops taking connections and drops the ones it had.
      await admin.query('ALTER DATABASE rt WITH ALLOW_CONNECTIONS false')
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'rt'")
      boardRecords(alice.doc).set('shape:during', { id: 'shape:during', typeName: 'shape' })
      await eventually(() => expect(closes).toContain(4500), 15_000)
      await eventually(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(503), 15_000)

      await admin.query('ALTER DATABASE rt WITH ALLOW_CONNECTIONS true')
      await eventually(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(200), 20_000)
      // Alice reconnects by herself and hands in what she wrote meanwhile.
      await eventually(async () => {
        const fresh = client(server.wsUrl, boardId)
        await whenSynced(fresh)
        expect(boardRecords(fresh.doc).map.has('shape:during')).toBe(true)
        fresh.destroy()
      }, 30_000)
    } finally {
      await admin.query('ALTER DATABASE rt WITH ALLOW_CONNECTIONS true').catch(() => {})
      await admin.end()
    }
  }, 90_000)

  it('a malformed DATABASE_URL stops the process at start with one line naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DATA_DIR: tempDataDir(), DATABASE_URL: 'postgres://rt:hunter2@db:99999/rt' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(result.status).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^Roundtable: DATABASE_URL has a port/)
    expect(result.stderr).not.toContain('hunter2')
  })
})
