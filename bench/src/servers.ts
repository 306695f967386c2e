import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { cpuMs, rssBytes } from './proc.ts'

export const ROOT = path.resolve(import.meta.dirname, '../..')
const BENCH = path.resolve(import.meta.dirname, '..')

export type ServerKind = 'roundtable' | 'reference' | 'hocuspocus' | 'floor'

export const SERVER_LABEL: Record<ServerKind, string> = {
  roundtable: 'Roundtable (SQLite)',
  reference: '@y/websocket-server 0.1.1 (y-leveldb)',
  hocuspocus: 'Hocuspocus 4 (SQLite extension)',
  floor: 'raw ws floor (no Yjs)',
}

export interface RunningServer {
  kind: ServerKind
  pid: number
  port: number
  dataDir: string
  /** Base URL the kind's client connects to (the board name is appended by the client). */
  wsUrl: string
  /** Several processes serving the same boards: clients are spread over these instead. */
  wsUrls?: string[]
  /** How many processes cpuMs() sums (1 unless several). */
  processes?: number
  httpUrl: string
  cpuMs(): number
  rssBytes(): number
  output(): string
  /**
   * SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. A data
   * dir the server was not given is removed.
   */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
const dirs = new Set<string>()
// Whatever happens to the bench (its time limit included), its servers and their data dirs do
// not outlive it.
process.on('exit', () => {
  for (const proc of live) proc.kill('SIGKILL')
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `roundtable-bench-${prefix}-`))
  dirs.add(dir)
  return dir
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

function command(kind: ServerKind): string[] {
  const tsx = ['--import', 'tsx']
  switch (kind) {
    case 'roundtable':
      // As `npm start` runs it: the built bundle (see scripts/build.mjs).
      return [path.join(ROOT, 'server/dist/main.mjs')]
    case 'reference':
      return [path.join(ROOT, 'node_modules/@y/websocket-server/src/server.js')]
    case 'hocuspocus':
      return [path.join(BENCH, 'src/servers/hocuspocus.mjs')]
    case 'floor':
      return [...tsx, path.join(BENCH, 'src/servers/floor.ts')]
  }
}

async function waitForPort(port: number, proc: ChildProcess, output: () => string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited before listening:\n${output()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1')
      sock.once('connect', () => {
        sock.destroy()
        resolve(true)
      })
      sock.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`server did not listen within ${timeoutMs} ms:\n${output()}`)
    // Often: the cold load times a restart from the spawn, and waiting here would count.
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * Starts one server as its own process on 127.0.0.1, on a free port, with its own data dir
 * (reused when given, for restarts). `env` adds to the kind's settings.
 */
export async function startServer(
  kind: ServerKind,
  opts: { dataDir?: string; env?: Record<string, string>; /** e.g. --cpu-prof */ nodeArgs?: string[] } = {},
): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? tempDir(kind)
  const port = await freePort()
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HOST: '127.0.0.1', PORT: String(port) }
  if (kind === 'roundtable') Object.assign(env, { DATA_DIR: dataDir, LOG_LEVEL: 'warn' })
  if (kind === 'reference') env.YPERSISTENCE = dataDir
  if (kind === 'hocuspocus') env.DATA_DIR = dataDir
  Object.assign(env, opts.env)
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...command(kind)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(proc)
  let out = ''
  const collect = (chunk: Buffer) => {
    out += chunk.toString()
    if (out.length > 100_000) out = out.slice(-50_000)
  }
  proc.stdout!.on('data', collect)
  proc.stderr!.on('data', collect)
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  exited.then(() => live.delete(proc))
  try {
    await waitForPort(port, proc, () => out)
  } catch (err) {
    proc.kill('SIGKILL')
    throw err
  }
  const pid = proc.pid!
  return {
    kind,
    pid,
    port,
    dataDir,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: kind === 'roundtable' ? `ws://127.0.0.1:${port}/sync` : `ws://127.0.0.1:${port}`,
    cpuMs: () => cpuMs(pid),
    rssBytes: () => rssBytes(pid),
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
      if (!opts.dataDir) removeDir(dataDir)
    },
  }
}

export function removeDir(dir: string) {
  fs.rmSync(dir, { recursive: true, force: true })
  dirs.delete(dir)
}

/** At most this much CPU in a second counts as a quiet server (one 10 ms tick of /proc/<pid>/stat). */
const QUIET_CPU_MS_PER_SEC = 5

/**
 * Waits until the server has used at most QUIET_CPU_MS_PER_SEC over the last `quietMs` (its
 * deferred work has run), or `timeoutMs` passed. Returns the CPU reading then, and the server's
 * CPU rate over that last stretch: what it spends doing nothing (Roundtable's metrics sample the
 * event loop every 10 ms, about 2 ms/s; the others about 0).
 */
export async function untilQuiet(
  server: RunningServer,
  opts: { quietMs?: number; timeoutMs?: number } = {},
): Promise<{ cpuMs: number; idleMsPerSec: number; quiet: boolean }> {
  const quietMs = opts.quietMs ?? 1000
  const deadline = performance.now() + (opts.timeoutMs ?? 30_000)
  const step = 100
  const samples: { t: number; cpu: number }[] = [{ t: performance.now(), cpu: server.cpuMs() }]
  for (;;) {
    await new Promise((r) => setTimeout(r, step))
    const now = { t: performance.now(), cpu: server.cpuMs() }
    samples.push(now)
    // The oldest sample at least quietMs back.
    while (samples.length > 2 && now.t - samples[1].t >= quietMs) samples.shift()
    const first = samples[0]
    const span = now.t - first.t
    const rate = ((now.cpu - first.cpu) / span) * 1000
    if (span >= quietMs && rate <= QUIET_CPU_MS_PER_SEC * (server.processes ?? 1))
      return { cpuMs: now.cpu, idleMsPerSec: rate, quiet: true }
    // Never quiet: nothing is taken as its idle rate (all of its CPU counts).
    if (now.t > deadline) return { cpuMs: now.cpu, idleMsPerSec: 0, quiet: false }
  }
}
