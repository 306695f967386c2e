/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries, `initdb` into a fresh temp dir,
 * trust authentication on 127.0.0.1 only, a free port, the unix socket inside the temp dir, and
 * a non-superuser role `rt` that owns database `rt` (what Roundtable gets in production).
 * It never uses the machine's own cluster: its data directory, port and socket are its own, and
 * PG* variables from the environment are not passed to the binaries.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

export interface TestPostgres {
  /** postgres://rt@127.0.0.1:<port>/rt: the role owns the database and is not a superuser. */
  url: string
  /** A superuser URL for the same cluster (to break things on purpose). */
  adminUrl: string
  port: number
  /** The cluster's temp dir (data directory, socket and server log). */
  dir: string
  /** Milliseconds from initdb to accepting connections as `rt`. */
  startedInMs: number
  /** Fast shutdown, then the temp dir is removed. Safe to call twice. */
  stop(): Promise<void>
  /** Stops the server, keeping its data, as a crash or a restart of the database would. */
  down(): Promise<void>
  /** Starts it again on the same port, with the same data. */
  up(): Promise<void>
}

const DEBIAN_ROOT = '/usr/lib/postgresql'

/** The newest PostgreSQL version's bin dir under /usr/lib/postgresql, or a clear error. */
export function postgresBinDir(root = DEBIAN_ROOT): string {
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .filter((v) => ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(root, v, 'bin', b))))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl, postgres) not found under ${root}/*/bin: install Debian's postgresql (apt-get install postgresql)`,
    )
  }
  return path.join(root, versions[0], 'bin')
}

/** PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error("running as root and there is no `postgres` user to run PostgreSQL as: install Debian's postgresql")
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

/** The environment without PG* variables, so no binary can wander off to another cluster. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v
  env.LC_ALL = 'C'
  return env
}

function run(bin: string, args: string[], options: SpawnOptions): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Connects (retrying until `deadline`) and runs `sql` statements one after the other. */
async function runSql(url: string, statements: string[], deadline: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    client.on('error', () => {})
    try {
      await client.connect()
      for (const sql of statements) await client.query(sql)
      return
    } catch (err) {
      // 57P03: the database system is starting up.
      const code = (err as { code?: string }).code
      if (Date.now() > deadline || (code !== undefined && code !== '57P03' && !code.startsWith('E'))) throw err
      await new Promise((r) => setTimeout(r, 50))
    } finally {
      await client.end().catch(() => {})
    }
  }
}

const running = new Set<() => void>()
process.on('exit', () => {
  for (const stopNow of running) stopNow()
})

/**
 * Starts a fresh cluster. Typical use: `const db = await startPostgres()` in beforeAll and
 * `await db.stop()` in afterAll.
 */
export async function startPostgres(options: { timeoutMs?: number } = {}): Promise<TestPostgres> {
  const started = performance.now()
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  const bin = postgresBinDir()
  const user = runAs()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-pg-'))
  const data = path.join(dir, 'data')
  const log = path.join(dir, 'server.log')
  if (user) fs.chownSync(dir, user.uid, user.gid)
  const spawnOptions: SpawnOptions = { env: cleanEnv(), cwd: dir, ...(user ?? {}) }
  const logTail = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '(no server log)')

  const initdb = await run(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    spawnOptions,
  )
  if (initdb.code !== 0) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`initdb failed (exit ${initdb.code}) in ${dir}:\n${initdb.output}`)
  }
  // Only TCP from 127.0.0.1; the socket in the temp dir accepts nobody.
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\n')

  const ctl = (...args: string[]) => run(path.join(bin, 'pg_ctl'), ['-D', data, ...args], spawnOptions)
  const stopNow = () => {
    spawnSync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...spawnOptions, stdio: 'ignore' })
    fs.rmSync(dir, { recursive: true, force: true })
  }

  let port: number
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    const settings = [
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      // Throwaway data: no durability, little memory.
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'wal_level = minimal',
      'max_wal_senders = 0',
      'shared_buffers = 16MB',
      'max_connections = 60',
      'huge_pages = off',
      'log_min_messages = warning',
      '',
    ]
    fs.writeFileSync(path.join(data, 'postgresql.auto.conf'), settings.join('\n'))
    const start = await ctl('-l', log, '-w', '-t', '30', 'start')
    if (start.code === 0) break
    // Another process may have taken the port between our check and the start: try another.
    if (attempt < 3 && /could not bind|address already in use/i.test(logTail())) continue
    const tail = logTail()
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`PostgreSQL did not start (pg_ctl exit ${start.code}): ${start.output}\n${tail}`)
  }
  running.add(stopNow)

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  const url = `postgres://rt@127.0.0.1:${port}/rt`
  try {
    await runSql(adminUrl, ['CREATE ROLE rt LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', 'CREATE DATABASE rt OWNER rt'], deadline)
    await runSql(url, ['SELECT 1'], deadline)
  } catch (err) {
    running.delete(stopNow)
    const tail = logTail()
    stopNow()
    throw new Error(`PostgreSQL started but does not accept connections: ${(err as Error).message}\n${tail}`, { cause: err })
  }

  let stopped = false
  return {
    url,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/rt`,
    port,
    dir,
    startedInMs: Math.round(performance.now() - started),
    async down() {
      const result = await ctl('-m', 'fast', '-w', '-t', '30', 'stop')
      if (result.code !== 0) throw new Error(`pg_ctl stop failed: ${result.output}`)
    },
    async up() {
      const result = await ctl('-l', log, '-w', '-t', '30', 'start')
      if (result.code !== 0) throw new Error(`pg_ctl start failed: ${result.output}\n${logTail()}`)
    },
    async stop() {
      if (stopped) return
      stopped = true
      running.delete(stopNow)
      await ctl('-m', 'fast', '-w', '-t', '30', 'stop')
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
