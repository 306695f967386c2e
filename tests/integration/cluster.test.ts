/**
 * Several Roundtable processes on one PostgreSQL database: one owner per board, the others relay
 * their connections to it. Real processes (so they can be killed -9 or stalled), a throwaway
 * PostgreSQL cluster, HAProxy where clients must find another process by themselves, and stock
 * y-websocket clients.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest'
import WebSocket from 'ws'
import pg from 'pg'
import { boardRecords, newBoardId } from '@roundtable/shared'
import { startPostgres, type TestPostgres } from '../support/postgres.ts'
import { startHaproxy, type TestHaproxy } from '../support/haproxy.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import type { ServerProcess } from '../support/server.ts'
import { Harness } from './helpers.ts'

const h = new Harness()
let db: TestPostgres
let sql: pg.Pool
const clients: YClient[] = []
const proxies: TestHaproxy[] = []

beforeAll(async () => {
  db = await startPostgres()
  sql = new pg.Pool({ connectionString: db.url, max: 2 })
  // The restart test takes the database away under this pool too.
  sql.on('error', () => {})
}, 60_000)

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
  for (const p of proxies.splice(0)) await p.stop()
  await h.dispose()
})

afterAll(async () => {
  await sql?.end()
  await db?.stop()
})

/** Three processes on the database, each with a DATA_DIR of its own. */
async function cluster(env: Record<string, string> = {}): Promise<ServerProcess[]> {
  return Promise.all(
    [1, 2, 3].map(() => h.server({ env: { DATABASE_URL: db.url, ROOM_IDLE_MS: '300', CLUSTER_LEASE_MS: '2000', ...env } })),
  )
}

function client(wsUrl: string, boardId: string): YClient {
  const c = connectClient(wsUrl, boardId)
  clients.push(c)
  return c
}

async function synced(wsUrl: string, boardId: string): Promise<YClient> {
  const c = client(wsUrl, boardId)
  await whenSynced(c)
  return c
}

const note = (c: YClient, key: string) => boardRecords(c.doc).set(key, { id: key, typeName: 'shape' })
const keys = (c: YClient) => [...boardRecords(c.doc).map.keys()].sort()

async function ownerOf(boardId: string): Promise<{ address: string; epoch: number } | undefined> {
  const { rows } = await sql.query<{ address: string; epoch: string }>('SELECT address, epoch FROM board_owners WHERE board_id = $1', [
    boardId,
  ])
  return rows[0] && { address: rows[0].address, epoch: Number(rows[0].epoch) }
}

const processAt = (servers: ServerProcess[], address: string) => servers.find((s) => address.endsWith(`:${s.port}`))

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(name))
  return line ? Number(line.split(' ').pop()) : 0
}

/** The close code of a raw upgrade refused before it became a WebSocket, or of the socket's close. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', () => {})
  })
}

describe('several processes on one database', () => {
  it('clients on three processes see each other’s edits and presence; one process owns the board, and lets go once everyone left', async () => {
    const servers = await cluster()
    const boardId = newBoardId()
    const [a, b, c] = [
      await synced(servers[0].wsUrl, boardId),
      await synced(servers[1].wsUrl, boardId),
      await synced(servers[2].wsUrl, boardId),
    ]
    note(a, 'shape:a')
    note(c, 'shape:c')
    a.provider.awareness.setLocalStateField('user', { name: 'Ann' })
    await eventually(() => {
      for (const x of [a, b, c]) expect(keys(x)).toEqual(['shape:a', 'shape:c'])
      for (const x of [b, c]) expect(x.provider.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'Ann' } })
    })
    const owner = await ownerOf(boardId)
    expect(owner).toBeDefined()
    const ownerProcess = processAt(servers, owner!.address)!
    expect(ownerProcess).toBe(servers[0])
    // The other two relay their client's connection to the owner.
    expect(await metric(servers[1], 'roundtable_relayed_connections')).toBe(1)
    expect(await metric(servers[0], 'roundtable_relayed_connections')).toBe(0)

    // A view-only link works through any process and is refused writes at the owner.
    const { token } = (await (await fetch(`${servers[1].url}/api/boards/${boardId}/view-link`)).json()) as { token: string }
    const viewer = await synced(`${servers[2].wsUrl}/view`, token)
    expect(keys(viewer)).toEqual(['shape:a', 'shape:c'])
    const closes: number[] = []
    viewer.provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0))
    note(viewer, 'shape:viewer')
    await eventually(() => expect(closes).toContain(4403))
    viewer.provider.disconnect()

    for (const x of [a, b, c, viewer]) x.destroy()
    await eventually(async () => {
      expect(await ownerOf(boardId)).toBeUndefined()
      for (const s of servers) expect(await metric(s, 'roundtable_boards_loaded')).toBe(0)
    })
    // The board is whole for whoever comes next, on any process.
    expect(keys(await synced(servers[2].wsUrl, boardId))).toEqual(['shape:a', 'shape:c'])
  }, 60_000)

  it('refuses a relay without the cluster secret', async () => {
    const [server] = await Promise.all([h.server({ env: { DATABASE_URL: db.url } })])
    const url = `ws://127.0.0.1:${server.port}/internal/relay/${newBoardId()}`
    expect(await upgradeStatus(url)).toBe(403)
    expect(await upgradeStatus(url, { 'x-roundtable-cluster-secret': 'not the secret at all' })).toBe(403)
    // Without DATABASE_URL there is no relay endpoint at all.
    const alone = await h.server()
    expect(await upgradeStatus(`ws://127.0.0.1:${alone.port}/internal/relay/${newBoardId()}`)).toBe(404)
  })

  it('kill -9 of the owner mid-writes loses nothing a surviving client saw; everyone reconnects elsewhere and converges', async () => {
    const servers = await cluster()
    const proxy = await startHaproxy(servers.map((s) => s.port))
    proxies.push(proxy)
    const boardId = newBoardId()
    // Round-robin: two writers land on each process.
    const writers: YClient[] = []
    for (let i = 0; i < 6; i++) writers.push(await synced(proxy.wsUrl, boardId))
    const owner = processAt(servers, (await ownerOf(boardId))!.address)!
    let n = 0
    const timer = setInterval(() => writers.forEach((w, i) => note(w, `shape:${i}-${n++}`)), 20)
    await new Promise((r) => setTimeout(r, 400))
    const killedAt = performance.now()
    await owner.stop('SIGKILL')
    await new Promise((r) => setTimeout(r, 400))
    clearInterval(timer)
    // Everyone is connected (to a survivor) and synced again, and all docs agree.
    await eventually(() => {
      for (const w of writers) expect(w.provider.wsconnected && w.provider.synced).toBe(true)
      const first = keys(writers[0])
      for (const w of writers) expect(keys(w)).toEqual(first)
    }, 15_000)
    const failoverMs = performance.now() - killedAt
    const fresh = await synced(proxy.wsUrl, boardId)
    await eventually(() => expect(keys(fresh)).toEqual(keys(writers[0])))
    // Every write made before the kill and after it is there.
    expect(keys(fresh).length).toBe(n)
    expect(failoverMs).toBeLessThan(15_000)
    const newOwner = await ownerOf(boardId)
    expect(newOwner!.address).not.toBe(`127.0.0.1:${owner.port}`)
  }, 60_000)

  it('a stalled owner is taken over after its lease, and its writes are fenced out once it wakes', async () => {
    const servers = await cluster({ ROUNDTABLE_TEST_STALL_MS: '4000', CLUSTER_LEASE_MS: '1000' })
    const boardId = newBoardId()
    const x = await synced(servers[0].wsUrl, boardId)
    const y = await synced(servers[1].wsUrl, boardId)
    note(x, 'shape:before')
    await eventually(() => expect(keys(y)).toEqual(['shape:before']))
    const before = (await ownerOf(boardId))!
    expect(processAt(servers, before.address)).toBe(servers[0])

    servers[0].proc.kill('SIGUSR2')
    await new Promise((r) => setTimeout(r, 200))
    // Relayed to the stalled owner: it reaches it only once it wakes.
    note(y, 'shape:during-stall')
    // After the lease ran out, a newcomer on the third process takes the board over.
    await new Promise((r) => setTimeout(r, 1500))
    const z = await synced(servers[2].wsUrl, boardId)
    const after = (await ownerOf(boardId))!
    expect(after.epoch).toBeGreaterThan(before.epoch)
    expect(processAt(servers, after.address)).toBe(servers[2])
    const { rows } = await sql.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM board_updates')
    const takenOverAt = Number(rows[0].seq ?? 0)
    note(z, 'shape:new-owner')

    // The old owner wakes, learns it lost the board, and writes nothing more.
    await eventually(
      async () => expect(await metric(servers[0], 'roundtable_board_ownership_total{event="lost"}')).toBeGreaterThanOrEqual(1),
      15_000,
    )
    const late = await sql.query('SELECT seq FROM board_updates WHERE board_id = $1 AND seq > $2 AND epoch = $3', [
      boardId,
      takenOverAt,
      before.epoch,
    ])
    expect(late.rows).toEqual([])
    // Its clients reconnect and reach the new owner; everything converges, the stalled write included.
    await eventually(() => {
      for (const c of [x, y, z]) expect(keys(c)).toEqual(['shape:before', 'shape:during-stall', 'shape:new-owner'])
    }, 15_000)
    const fresh = await synced(servers[1].wsUrl, boardId)
    expect(keys(fresh)).toEqual(['shape:before', 'shape:during-stall', 'shape:new-owner'])
  }, 60_000)

  it('a relaying process dying drops only its own connections; their cursors disappear for the others within seconds', async () => {
    const servers = await cluster()
    const boardId = newBoardId()
    const a = await synced(servers[0].wsUrl, boardId)
    const b = await synced(servers[1].wsUrl, boardId)
    const c = await synced(servers[2].wsUrl, boardId)
    b.provider.awareness.setLocalStateField('user', { name: 'Bea' })
    await eventually(() => expect(a.provider.awareness.getStates().has(b.doc.clientID)).toBe(true))
    await servers[1].stop('SIGKILL')
    const killedAt = performance.now()
    await eventually(() => expect(a.provider.awareness.getStates().has(b.doc.clientID)).toBe(false), 5_000)
    expect(performance.now() - killedAt).toBeLessThan(5_000)
    // The others carry on.
    note(c, 'shape:after')
    await eventually(() => expect(keys(a)).toEqual(['shape:after']))
    expect(a.provider.wsconnected && c.provider.wsconnected).toBe(true)
  }, 60_000)

  it('300 clients of a killed process reconnect to the others within 10 s; once everyone left, leases are released and memory returns', async () => {
    // Behind a proxy every connection comes from the proxy's address.
    const servers = await cluster({ ROOM_IDLE_MS: '200', MAX_CONNECTIONS_PER_IP: '1000', MAX_UPGRADES_PER_IP_PER_SECOND: '1000' })
    process.setMaxListeners(Math.max(process.getMaxListeners(), 400))
    // All traffic to the first process while it lives; to the other two once it is gone.
    const proxy = await startHaproxy([servers[0].port], { backups: [servers[1].port, servers[2].port] })
    proxies.push(proxy)
    const baseline = await Promise.all(servers.slice(1).map((s) => metric(s, 'roundtable_process_resident_memory_bytes')))
    const boards = Array.from({ length: 10 }, () => newBoardId())
    const storm: YClient[] = []
    for (let i = 0; i < 300; i++) storm.push(client(proxy.wsUrl, boards[i % boards.length]))
    await eventually(() => expect(storm.every((c) => c.provider.synced)).toBe(true), 30_000)
    for (const [i, board] of boards.entries()) note(storm[i], `shape:${board}`)
    await eventually(async () => expect(await metric(servers[0], 'roundtable_connections{access="edit"}')).toBe(300))

    await servers[0].stop('SIGKILL')
    const killedAt = performance.now()
    for (const c of storm) c.provider.synced = false
    await eventually(() => expect(storm.every((c) => c.provider.wsconnected && c.provider.synced)).toBe(true), 10_000, 100)
    expect(performance.now() - killedAt).toBeLessThan(10_000)
    for (const s of servers.slice(1)) expect((await fetch(`${s.url}/readyz`)).status).toBe(200)
    for (const [i, board] of boards.entries()) expect(keys(storm[i + boards.length])).toContain(`shape:${board}`)

    for (const c of storm) c.destroy()
    await eventually(async () => {
      const { rows } = await sql.query('SELECT * FROM board_owners WHERE board_id = ANY($1)', [boards])
      expect(rows).toEqual([])
      for (const s of servers.slice(1)) {
        expect(await metric(s, 'roundtable_boards_loaded')).toBe(0)
        expect(await metric(s, 'roundtable_relayed_connections')).toBe(0)
      }
    }, 15_000)
    await eventually(async () => {
      const now = await Promise.all(servers.slice(1).map((s) => metric(s, 'roundtable_process_resident_memory_bytes')))
      now.forEach((rss, i) => expect(rss).toBeLessThan(baseline[i] + 48 * 1024 * 1024))
    }, 15_000)
  }, 90_000)

  it('the HTTP API works through any process: a restore asked of a process that does not own the board is done by its owner; a fork opens anywhere', async () => {
    const servers = await cluster()
    const boardId = newBoardId()
    const a = await synced(servers[0].wsUrl, boardId)
    note(a, 'shape:kept')
    const post = (server: ServerProcess, path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    await eventually(async () => expect((await fetch(`${servers[1].url}/api/boards/${boardId}/export?format=json`)).status).toBe(200))
    const taken = await post(servers[1], `/api/boards/${boardId}/snapshots`, { name: 'One note' })
    expect(taken.status).toBe(201)
    const { snapshot } = (await taken.json()) as { snapshot: { id: string } }
    note(a, 'shape:later')
    await eventually(async () => {
      const exported = (await (await fetch(`${servers[2].url}/api/boards/${boardId}/export?format=json`)).json()) as { records: unknown[] }
      expect(exported.records.length).toBeGreaterThanOrEqual(2)
    })
    const restored = await post(servers[2], `/api/boards/${boardId}/snapshots/${snapshot.id}/restore`, { by: 'Cy' })
    expect(restored.status).toBe(200)
    expect(((await restored.json()) as { changed: number }).changed).toBe(1)
    await eventually(() => expect(keys(a)).toEqual(['shape:kept']))

    const forked = await post(servers[1], `/api/boards/${boardId}/fork`, {})
    expect(forked.status).toBe(201)
    const { id } = (await forked.json()) as { id: string }
    expect(keys(await synced(servers[2].wsUrl, id))).toEqual(['shape:kept'])
  })

  it('when PostgreSQL restarts, writes are refused and /readyz says 503 on every process; once it is back, boards take writes again without a restart', async () => {
    const servers = await cluster()
    const boardId = newBoardId()
    const a = await synced(servers[0].wsUrl, boardId)
    const b = await synced(servers[1].wsUrl, boardId)
    const closes: number[] = []
    b.provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0))
    note(a, 'shape:before')
    await eventually(() => expect(keys(b)).toEqual(['shape:before']))

    await db.down()
    try {
      note(b, 'shape:during')
      await eventually(() => expect(closes).toContain(4500), 15_000)
      // Nothing unstored was passed on.
      expect(keys(a)).toEqual(['shape:before'])
      for (const s of servers) await eventually(async () => expect((await fetch(`${s.url}/readyz`)).status).toBe(503), 15_000)
    } finally {
      await db.up()
    }
    for (const s of servers) await eventually(async () => expect((await fetch(`${s.url}/readyz`)).status).toBe(200), 20_000)
    // The clients reconnect by themselves and hand in what was refused.
    await eventually(() => {
      for (const c of [a, b]) expect(keys(c)).toEqual(['shape:before', 'shape:during'])
    }, 30_000)
    expect(keys(await synced(servers[2].wsUrl, boardId))).toEqual(['shape:before', 'shape:during'])
  }, 90_000)
  it('a board larger than any frame a client may send still reaches a newcomer through another process', async () => {
    const servers = await cluster({ MAX_FRAME_BYTES: '65536' })
    const boardId = newBoardId()
    const a = await synced(servers[0].wsUrl, boardId)
    // 200 notes of 1 KiB, each a frame of its own: the board is about 200 KiB.
    for (let i = 0; i < 200; i++) boardRecords(a.doc).set(`shape:${i}`, { id: `shape:${i}`, typeName: 'shape', text: 'x'.repeat(1024) })
    await eventually(async () => expect(keys(await synced(servers[0].wsUrl, boardId))).toHaveLength(200))
    const relayed = await synced(servers[1].wsUrl, boardId)
    expect(keys(relayed)).toHaveLength(200)
  })
})
