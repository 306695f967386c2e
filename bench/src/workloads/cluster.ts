import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { connect, type BenchClient } from '../clients.ts'
import { startServer, type RunningServer } from '../servers.ts'
import { cpuMs } from '../proc.ts'
import { newBoard } from '../board.ts'
import { noteRecord } from '../records.ts'
import { sleep, until } from '../stats.ts'
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.ts'
import { startHaproxy } from '../../../tests/support/haproxy.ts'

/**
 * Several Roundtable processes on one PostgreSQL database (a throwaway cluster the bench starts
 * and stops), for the cluster figures: fan-out spread over three processes, fail-over after a
 * kill -9 of an owner, and cold load from PostgreSQL.
 */
export interface Database {
  url: string
  /** CPU of every PostgreSQL process (the postmaster and its children), in ms. */
  cpuMs(): number
  /** Bytes of the boards' tables. */
  storedBytes(): Promise<number>
  stop(): Promise<void>
}

export async function startDatabase(): Promise<Database> {
  const db: TestPostgres = await startPostgres()
  const postmaster = Number(fs.readFileSync(path.join(db.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
  const children = () => {
    const pids = [postmaster]
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry))
      } catch {
        // Gone meanwhile.
      }
    }
    return pids
  }
  return {
    url: db.url,
    cpuMs: () =>
      children().reduce((sum, pid) => {
        try {
          return sum + cpuMs(pid)
        } catch {
          return sum
        }
      }, 0),
    async storedBytes() {
      const client = new pg.Client({ connectionString: db.url })
      await client.connect()
      try {
        const { rows } = await client.query<{ bytes: string }>(
          `SELECT pg_total_relation_size('board_state') + pg_total_relation_size('board_updates') AS bytes`,
        )
        return Number(rows[0].bytes)
      } finally {
        await client.end()
      }
    },
    stop: () => db.stop(),
  }
}

const SETTINGS = { CLUSTER_LEASE_MS: '10000', LOG_LEVEL: 'warn' }

/** Three processes on the database, seen as one server: clients spread over them, CPU summed with PostgreSQL's. */
export async function startCluster(db: Database, env: Record<string, string> = {}): Promise<RunningServer & { members: RunningServer[] }> {
  const members = await Promise.all([1, 2, 3].map(() => startServer('roundtable', { env: { DATABASE_URL: db.url, ...SETTINGS, ...env } })))
  return {
    ...members[0],
    members,
    wsUrls: members.map((m) => m.wsUrl),
    processes: members.length + 1,
    cpuMs: () => members.reduce((sum, m) => sum + m.cpuMs(), 0) + db.cpuMs(),
    rssBytes: () => members.reduce((sum, m) => sum + m.rssBytes(), 0),
    output: () => members.map((m) => m.output()).join('\n'),
    async stop() {
      await Promise.all(members.map((m) => m.stop()))
    },
  }
}

export interface FailoverRun {
  /** kill -9 of the process owning the boards until every one of their clients is synced again. */
  failoverMs: number
  /** Clients of the killed process's boards (all were disconnected and came back). */
  clients: number
}

/**
 * `boards` boards with `perBoard` clients each, through HAProxy (round-robin) in front of three
 * processes; the process owning the first board is killed -9. Timed until every client of the
 * boards it owned has reconnected (to a survivor) and synced; then each of those boards is
 * checked to converge (a write reaches all its clients).
 */
export async function failoverRun(db: Database, opts: { boards: number; perBoard: number }): Promise<FailoverRun> {
  const cluster = await startCluster(db, { MAX_CONNECTIONS_PER_IP: '10000', MAX_UPGRADES_PER_IP_PER_SECOND: '1000000' })
  const proxy = await startHaproxy(cluster.members.map((m) => m.port))
  const boards = Array.from({ length: opts.boards }, () => newBoard('failover'))
  const clients = new Map<string, BenchClient[]>(boards.map((b) => [b, []]))
  const sql = new pg.Client({ connectionString: db.url })
  await sql.connect()
  try {
    for (let i = 0; i < opts.perBoard; i++) {
      for (const b of boards) clients.get(b)!.push(connect({ kind: 'roundtable', wsUrl: proxy.wsUrl }, b, { syncTimeoutMs: 30_000 }))
    }
    await Promise.all([...clients.values()].flat().map((c) => c.synced))
    const { rows } = await sql.query<{ board_id: string; address: string }>(
      'SELECT board_id, address FROM board_owners WHERE board_id = ANY($1)',
      [boards],
    )
    const victimAddress = rows.find((r) => r.board_id === boards[0])!.address
    const victim = cluster.members.find((m) => victimAddress.endsWith(`:${m.port}`))!
    const affected = rows.filter((r) => r.address === victimAddress).flatMap((r) => clients.get(r.board_id)!)
    const back = affected.map((c) => {
      let synced = 0
      c.onSynced!(() => (synced ||= performance.now()))
      return () => synced
    })
    const killedAt = performance.now()
    process.kill(victim.pid, 'SIGKILL')
    await until(() => back.every((t) => t() > 0), 30_000, 'every client of the killed owner to sync again', 5)
    const failoverMs = Math.max(...back.map((t) => t())) - killedAt
    // Not timed: each of its boards converges.
    for (const r of rows.filter((row) => row.address === victimAddress)) {
      const [first, ...rest] = clients.get(r.board_id)!
      first.doc.getArray('records').push([{ key: 'shape:after', val: noteRecord(1, 1, 1) }])
      await until(
        () => rest.every((c) => c.doc.getArray('records').length === first.doc.getArray('records').length),
        15_000,
        'the board to converge',
      )
    }
    return { failoverMs, clients: affected.length }
  } finally {
    for (const c of [...clients.values()].flat()) c.destroy()
    await sql.end()
    await proxy.stop()
    await cluster.stop()
    await sleep(200)
  }
}
