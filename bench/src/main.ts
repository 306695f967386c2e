// `npm run bench`: the compared servers side by side; `npm run bench -- --smoke` is the tiny
// version CI runs; `npm run bench:load` (or `--load`) is the hardening load run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { startServer, ROOT, SERVER_LABEL, type RunningServer, type ServerKind } from './servers.ts'
import { describeMachine, machineCpuSample } from './proc.ts'
import { summarize, type Summary } from './stats.ts'
import { fanoutRun, DEFERRED_MS, type FanoutOptions, type FanoutRun } from './workloads/fanout.ts'
import { coldLoadSeed, coldLoadRun, type ColdRun } from './workloads/coldload.ts'
import { memoryCurves, memoryRuns, MIN_IDLE_MS, MAX_IDLE_MS, type MemoryRun } from './workloads/memory.ts'
import { presenceRun, LEAD_IN_MS } from './workloads/presence.ts'
import { clientRuns, BARE_DIST, type ClientRun } from './workloads/client.ts'
import { loadRun } from './workloads/load.ts'
import { landingRuns, type PageRun } from './workloads/landing.ts'
import { failoverRun, startCluster, startDatabase, type FailoverRun } from './workloads/cluster.ts'
import { writeReport, type BenchResults, type LoadResults, type WorkloadResult } from './report.ts'
import { writeGrowthCharts, type GrowthPoint, type GrowthResults } from './growth.ts'

// Every stock y-websocket provider adds an exit listener.
process.setMaxListeners(0)

const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
/** The goals' ratios only, in under 3 minutes: one run each, fewer boards, no Hocuspocus, presence, cluster or growth. */
const quick = args.includes('--quick')
const load = args.includes('--load')
/** Only render RESULTS.md again from the JSON files already there. */
const renderOnly = args.includes('--render')
const outArg = args.find((a) => a.startsWith('--out='))
const OUT = outArg ? path.resolve(outArg.slice('--out='.length)) : path.resolve(import.meta.dirname, '..')
const onlyArg = args.find((a) => a.startsWith('--only='))
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : undefined

const settings = smoke
  ? {
      runs: 1,
      fanout: { readers: 5, updates: 50, window: 16, paced: { updates: 20, hz: 60 }, flood: { updates: 100 }, deferredMs: 500 },
      cold: { stickies: 200 },
      memory: { boards: 20, records: 50, minIdleMs: 1000, maxIdleMs: 3000 },
      presence: { clients: 5, hz: 20, windowMs: 1000 },
      client: { stickies: 50, panMs: 500 },
      load: { boards: 2, perBoard: 5, seconds: 2, rate: 5 },
      cluster: { readers: 5, updates: 20, hz: 60, deferredMs: 500, stickies: 200, boards: 2, perBoard: 5 },
      growth: { readers: [2, 5], stickies: [50, 200], boards: [5, 20], runs: 1 },
    }
  : {
      runs: 3,
      fanout: {
        readers: 50,
        updates: 2000,
        window: 16,
        paced: { updates: 180, hz: 60 },
        flood: { updates: 2000 },
        deferredMs: DEFERRED_MS,
      },
      cold: { stickies: 10_000 },
      memory: { boards: 1000, records: 50, minIdleMs: MIN_IDLE_MS, maxIdleMs: MAX_IDLE_MS },
      presence: { clients: 50, hz: 20, windowMs: 4000 },
      client: { stickies: 10_000, panMs: 3000 },
      load: { boards: 50, perBoard: 10, seconds: 60, rate: 2 },
      cluster: { readers: 50, updates: 180, hz: 60, deferredMs: DEFERRED_MS, stickies: 10_000, boards: 10, perBoard: 20 },
      growth: { readers: [10, 50, 200], stickies: [1000, 10_000, 50_000], boards: [100, 1000, 5000], runs: 1 },
    }

if (quick) {
  settings.runs = 1
  settings.memory.boards = 400
  settings.client.panMs = 2000
}
const QUICK_WORKLOADS = ['fanout', 'cold', 'memory', 'client', 'landing']

const runsArg = args.find((a) => a.startsWith('--runs='))
if (runsArg) settings.runs = Math.max(1, Number(runsArg.slice('--runs='.length)))

const STORING: ServerKind[] = quick ? ['roundtable', 'reference'] : ['roundtable', 'reference', 'hocuspocus']
const ALL: ServerKind[] = quick ? ['roundtable', 'reference', 'floor'] : ['roundtable', 'reference', 'hocuspocus', 'floor']

function log(message: string) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)
}

/** Our own CPU plus every child we waited for (servers, Chromium), in ms. */
function ownCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100
}

/** Builds the Roundtable client and the bare-tldraw page when missing or older than their sources. */
function ensureBuilds() {
  const newest = (p: string): number => {
    const st = fs.statSync(p, { throwIfNoEntry: false })
    if (!st) return 0
    if (!st.isDirectory()) return st.mtimeMs
    return Math.max(0, ...fs.readdirSync(p).map((n) => newest(path.join(p, n))))
  }
  // The client and the server bundle, as `npm start` builds them (each only if stale).
  const app = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' })
  if (app.status !== 0) throw new Error('build failed: scripts/build.mjs')
  const builds = [
    {
      index: path.join(BARE_DIST, 'index.html'),
      sources: ['bench/bare', 'package-lock.json'],
      cmd: ['exec', '--', 'vite', 'build', '--config', 'bench/bare/vite.config.ts'],
    },
  ]
  for (const b of builds) {
    if (newest(b.index) >= Math.max(...b.sources.map((s) => newest(path.join(ROOT, s))))) continue
    log(`building ${path.relative(ROOT, path.dirname(b.index))}`)
    const r = spawnSync('npm', b.cmd, { cwd: ROOT, stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`build failed: npm ${b.cmd.join(' ')}`)
  }
}

const per = <T>(kinds: ServerKind[], f: () => T) => Object.fromEntries(kinds.map((k) => [k, f()])) as Record<ServerKind, T>

/**
 * Runs of every server in turn, `settings.runs` rounds (after a warm-up round if asked). A run's
 * CPU window stays open DEFERRED_MS after its last delivery while the next server runs (each
 * server's CPU is its own process's); a server starts its next run once its previous window
 * closed. `windows` holds each server's open window, across calls; `rotation` picks the first order.
 */
async function fanoutRounds(
  servers: RunningServer[],
  opts: FanoutOptions,
  name: string,
  warmUp: boolean,
  windows: Map<ServerKind, Promise<void>>,
  rotation = 0,
  measured = settings.runs,
) {
  const runs = per(ALL, () => [] as FanoutRun[])
  const rounds = measured + (warmUp ? 1 : 0)
  for (let i = 0; i < rounds; i++) {
    const round = warmUp ? i : i + 1
    // Rotate the order so no server always runs right after the same one.
    for (let j = 0; j < servers.length; j++) {
      const s = servers[(rotation + i + j) % servers.length]
      await windows.get(s.kind)
      const run = fanoutRun(s, opts)
      await run.delivered
      windows.set(
        s.kind,
        run.result.then((r) => {
          if (round === 0) return
          runs[s.kind].push(r)
          log(
            `${name} ${s.kind} run ${round}: ${r.cpuMsPer1000.toFixed(2)} ms CPU/1k deliveries, ${r.messagesPerDelivery.toFixed(3)} messages/delivery, p99 ${r.p99Ms.toFixed(1)} ms${r.reconnects ? `, ${r.reconnects} reconnects` : ''}${r.quiet ? '' : ', server never quiet'}`,
          )
        }),
      )
    }
  }
  return runs
}

/** What a reader should know about fan-out runs that did not go as planned. */
function fanoutNotes(runs: Record<ServerKind, FanoutRun[]>): string[] {
  const notes: string[] = []
  for (const k of ALL) {
    const reconnects = runs[k].reduce((s, r) => s + r.reconnects, 0)
    const loud = runs[k].filter((r) => !r.quiet).length
    if (reconnects) notes.push(`${SERVER_LABEL[k]}: ${reconnects} client reconnections during the runs.`)
    if (loud)
      notes.push(
        `${SERVER_LABEL[k]}: in ${loud} of ${runs[k].length} runs the server was not quiet (≤ 5 ms CPU in a second) within 30 s before or after; all its CPU was counted.`,
      )
  }
  return notes
}

/**
 * The fan-out writer sends far above any person: lift Roundtable's per-connection message rate
 * limit for it (every other limit stays at its default, but for `extra`).
 */
const startFanoutServers = async (kinds: ServerKind[], extra: Record<string, string> = {}) => {
  const servers: RunningServer[] = []
  for (const kind of kinds)
    servers.push(
      await startServer(
        kind,
        kind === 'roundtable'
          ? { env: { MAX_MESSAGES_PER_SECOND: '1000000', MESSAGE_BURST: '1000000', MAX_UPGRADES_PER_IP_PER_SECOND: '1000000', ...extra } }
          : {},
      ),
    )
  return servers
}

async function fanout(): Promise<Record<string, WorkloadResult>> {
  const o = settings.fanout
  const servers = await startFanoutServers(ALL)
  // One unmeasured round first, so no server is timed while its JIT warms up; the paced and the
  // flood rounds follow on the same, warm processes (flood: every update sent in one go, never
  // waiting for the readers).
  const phases: [string, FanoutOptions][] = [
    ['fan-out bursts', { readers: o.readers, updates: o.updates, window: o.window, deferredMs: o.deferredMs }],
    ['fan-out paced', { readers: o.readers, updates: o.paced.updates, hz: o.paced.hz, deferredMs: o.deferredMs }],
    ['fan-out flood', { readers: o.readers, updates: o.flood.updates, window: o.flood.updates, deferredMs: o.deferredMs }],
  ]
  const results: Record<ServerKind, FanoutRun[]>[] = []
  try {
    const windows = new Map<ServerKind, Promise<void>>()
    // Each phase starts in the last round's order: its first server's window closes first.
    for (const [i, [name, opts]] of phases.entries())
      results.push(await fanoutRounds(servers, opts, name, i === 0, windows, i * settings.runs))
    await Promise.all(windows.values())
  } finally {
    for (const s of servers) await s.stop()
  }
  const [burst, paced, flood] = results
  const pick = (runs: Record<ServerKind, FanoutRun[]>, f: (r: FanoutRun) => number) =>
    Object.fromEntries(ALL.map((k) => [k, summarize(runs[k].map(f))])) as Record<string, Summary>
  const common = (runs: Record<ServerKind, FanoutRun[]>) => ({
    cpuMsPer1000: { label: 'server CPU ms / 1,000 deliveries', lowerIsBetter: true, values: pick(runs, (r) => r.cpuMsPer1000) },
    messagesPerDelivery: {
      label: 'messages sent by the server per delivery',
      lowerIsBetter: true,
      values: pick(runs, (r) => r.messagesPerDelivery),
    },
  })
  const latency = (runs: Record<ServerKind, FanoutRun[]>) => ({
    p50Ms: { label: 'latency p50 ms (send → applied at every reader)', lowerIsBetter: true, values: pick(runs, (r) => r.p50Ms) },
    p99Ms: { label: 'latency p99 ms', lowerIsBetter: true, values: pick(runs, (r) => r.p99Ms) },
    idleCpuMsPerSec: {
      label: 'server CPU ms/s when idle (not counted)',
      lowerIsBetter: true,
      values: pick(runs, (r) => r.idleCpuMsPerSec),
    },
  })
  return {
    fanout: {
      short: `Fan-out, bursts (up to ${o.window} in flight)`,
      title: `Fan-out, bursts: 1 writer + ${o.readers} readers, ${o.updates.toLocaleString('en')} sticky moves, up to ${o.window} in flight, after one warm-up round`,
      metrics: {
        ...common(burst),
        deliveriesPerSec: { label: 'deliveries/s', lowerIsBetter: false, values: pick(burst, (r) => r.deliveriesPerSec) },
        ...latency(burst),
      },
      notes: fanoutNotes(burst),
    },
    fanoutPaced: {
      short: `Fan-out, paced (${o.paced.hz} Hz)`,
      title: `Fan-out, paced: 1 writer + ${o.readers} readers, ${o.paced.updates} sticky moves sent at ${o.paced.hz} Hz (a drag), on the same warm servers`,
      metrics: {
        ...common(paced),
        updatesPerSec: { label: 'updates sent/s', lowerIsBetter: false, values: pick(paced, (r) => r.updatesPerSec) },
        ...latency(paced),
      },
      notes: fanoutNotes(paced),
    },
    fanoutFlood: {
      short: 'Flood',
      title: `Flood: 1 writer sends ${o.flood.updates.toLocaleString('en')} sticky moves back to back, never waiting, to ${o.readers} readers, on the same warm servers`,
      metrics: {
        ...common(flood),
        deliveriesPerSec: { label: 'deliveries/s', lowerIsBetter: false, values: pick(flood, (r) => r.deliveriesPerSec) },
        ...latency(flood),
      },
      notes: fanoutNotes(flood),
    },
  }
}

async function cold(): Promise<WorkloadResult> {
  const o = settings.cold
  const seeds = []
  for (const kind of STORING) {
    const seed = await coldLoadSeed(kind, o.stickies)
    seeds.push(seed)
    log(`cold load: seeded ${o.stickies} stickies on ${kind} (${(seed.storedBytes / 1024 ** 2).toFixed(1)} MiB stored)`)
  }
  const runs = per(STORING, () => [] as ColdRun[])
  for (let i = 0; i < settings.runs; i++) {
    for (let j = 0; j < seeds.length; j++) {
      const seed = seeds[(i + j) % seeds.length]
      const r = await coldLoadRun(seed)
      runs[seed.kind].push(r)
      log(
        `cold load ${seed.kind} run ${i + 1}: restart → synced ${r.restartMs.toFixed(0)} ms, connect → synced ${r.connectMs.toFixed(0)} ms`,
      )
    }
  }
  for (const seed of seeds) seed.dispose()
  const pick = (f: (r: ColdRun) => number) => Object.fromEntries(STORING.map((k) => [k, summarize(runs[k].map(f))]))
  return {
    short: `Cold load (${o.stickies.toLocaleString('en')} stickies)`,
    title: `Cold load: ${o.stickies.toLocaleString('en')} stickies stored, server restarted, a new client until it holds them all`,
    metrics: {
      restartMs: { label: 'ms from restart (process spawn) to fully synced', lowerIsBetter: true, values: pick((r) => r.restartMs) },
      connectMs: { label: 'ms from connect (server listening) to fully synced', lowerIsBetter: true, values: pick((r) => r.connectMs) },
    },
    notes: [
      `Stored on disk once seeded (the server stopped): ${seeds.map((s) => `${SERVER_LABEL[s.kind]} ${(s.storedBytes / 1024 ** 2).toFixed(1)} MiB`).join(', ')}.`,
    ],
    details: { storedBytes: Object.fromEntries(seeds.map((s) => [s.kind, s.storedBytes])) },
  }
}

/** Memory runs side by side: filling is serial, but the idle waits of these runs overlap. */
const MEMORY_RUNS_AT_ONCE = 3

async function memory(): Promise<WorkloadResult> {
  const o = settings.memory
  const runs = per(STORING, () => [] as MemoryRun[])
  for (let first = 0; first < settings.runs; first += MEMORY_RUNS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(MEMORY_RUNS_AT_ONCE, settings.runs - first) }, (_, k) => first + k)
    // Rotate which server is filled first in each run.
    const kinds = batch.flatMap((i) => STORING.map((_, j) => STORING[(i + j) % STORING.length]))
    const results = await memoryRuns(kinds, {
      ...o,
      // One address opens all the boards here; lift the per-address connection limit.
      env: (kind) =>
        kind === 'roundtable' ? { MAX_CONNECTIONS_PER_IP: String(o.boards + 50), MAX_UPGRADES_PER_IP_PER_SECOND: '1000000' } : undefined,
    })
    results.forEach((r, k) => {
      runs[kinds[k]].push(r)
      log(
        `memory ${kinds[k]} run ${batch[Math.floor(k / STORING.length)] + 1}: ${r.rssPerBoardKiB.toFixed(1)} KiB/board (RSS ${r.halfMiB.toFixed(0)} → ${r.fullMiB.toFixed(0)} MiB), ${r.reconnects} reconnects, ${r.connected}/${o.boards} connected${r.settled ? '' : ', RSS never settled'}`,
      )
    })
  }
  const pick = (f: (r: MemoryRun) => number) => Object.fromEntries(STORING.map((k) => [k, summarize(runs[k].map(f))]))
  const notes: string[] = []
  for (const k of STORING) {
    const reconnects = runs[k].reduce((n, r) => n + r.reconnects, 0)
    const dropped = runs[k].filter((r) => r.connected < o.boards).length
    const unsettled = runs[k].filter((r) => !r.settled).length
    if (reconnects)
      notes.push(
        `${SERVER_LABEL[k]}: its idle clients were disconnected and reconnected ${reconnects} times over the ${runs[k].length} runs.`,
      )
    if (dropped) notes.push(`${SERVER_LABEL[k]}: in ${dropped} of ${runs[k].length} runs not every client was connected when RSS was read.`)
    if (unsettled)
      notes.push(
        `${SERVER_LABEL[k]}: in ${unsettled} of ${runs[k].length} runs RSS had not settled within ${(o.maxIdleMs ?? MAX_IDLE_MS) / 1000} s; the last readings were used.`,
      )
  }
  const half = Math.floor(o.boards / 2)
  return {
    short: `Memory (per board, ${half.toLocaleString('en')} → ${o.boards.toLocaleString('en')} idle boards)`,
    title: `Memory: ${o.boards.toLocaleString('en')} boards open, one client each, ~${o.records} records per board; per board = (RSS at ${o.boards.toLocaleString('en')} − RSS at ${half.toLocaleString('en')}) / ${(o.boards - half).toLocaleString('en')}, each read once idle ${(o.minIdleMs ?? MIN_IDLE_MS) / 1000} s and settled`,
    metrics: {
      rssPerBoardKiB: { label: 'server RSS KiB per idle board', lowerIsBetter: true, values: pick((r) => r.rssPerBoardKiB) },
      halfMiB: { label: `RSS MiB at ${half.toLocaleString('en')} boards`, lowerIsBetter: true, values: pick((r) => r.halfMiB) },
      fullMiB: { label: `RSS MiB at ${o.boards.toLocaleString('en')} boards`, lowerIsBetter: true, values: pick((r) => r.fullMiB) },
      reconnects: { label: 'client reconnections', lowerIsBetter: true, values: pick((r) => r.reconnects) },
      connected: { label: 'clients connected when read', lowerIsBetter: false, values: pick((r) => r.connected) },
    },
    notes,
    details: { settings: { boards: o.boards } },
  }
}

async function presence(): Promise<WorkloadResult> {
  const o = settings.presence
  const servers: RunningServer[] = []
  for (const kind of ALL) servers.push(await startServer(kind))
  const cpu = per(ALL, () => [] as number[])
  const kib = per(ALL, () => [] as number[])
  const hz = per(ALL, () => [] as number[])
  const msgHz = per(ALL, () => [] as number[])
  try {
    for (const s of servers) await presenceRun(s, { ...o, windows: 1, windowMs: o.windowMs / 3 })
    for (let i = 0; i < settings.runs; i++) {
      for (let j = 0; j < servers.length; j++) {
        const s = servers[(i + j) % servers.length]
        const [w] = await presenceRun(s, { ...o, windows: 1 })
        cpu[s.kind].push(w.cpuMsPerSec)
        kib[s.kind].push(w.kibOutPerSec)
        hz[s.kind].push(w.sentHzPerClient)
        msgHz[s.kind].push(w.messagesHzPerClient)
        log(
          `presence ${s.kind} window ${i + 1}: ${w.cpuMsPerSec.toFixed(0)} ms CPU/s, ${w.kibOutPerSec.toFixed(0)} KiB/s out, ${w.sentHzPerClient.toFixed(1)} Hz sent per client`,
        )
      }
    }
  } finally {
    for (const s of servers) await s.stop()
  }
  const sum = (m: Record<ServerKind, number[]>) => Object.fromEntries(ALL.map((k) => [k, summarize(m[k])]))
  // The load offered must be the load asked for: every window's send rate within 5% of it.
  const short = ALL.filter((k) => hz[k].some((x) => x < 0.95 * o.hz))
  return {
    short: 'Presence',
    title: `Presence: ${o.clients} clients moving cursors at ${o.hz} Hz, ${settings.runs} windows of ${o.windowMs / 1000} s per server (each after ${LEAD_IN_MS / 1000} s of moving, past the joins), after a warm-up`,
    metrics: {
      cpuMsPerSec: { label: 'server CPU ms per second', lowerIsBetter: true, values: sum(cpu) },
      kibOutPerSec: { label: 'KiB/s sent by the server', lowerIsBetter: true, values: sum(kib) },
      sentHzPerClient: { label: 'cursor moves sent per client per s', lowerIsBetter: false, values: sum(hz) },
      messagesHzPerClient: {
        label: 'messages sent per client per s (stock y-websocket clients echo others’ presence)',
        lowerIsBetter: true,
        values: sum(msgHz),
      },
    },
    notes: [
      short.length === 0
        ? `Every window's send rate was at least 95% of ${o.hz} Hz.`
        : `Send rate below 95% of ${o.hz} Hz (the bench could not offer the full load) in windows of: ${short.map((k) => SERVER_LABEL[k]).join(', ')}.`,
    ],
  }
}

async function client(): Promise<WorkloadResult> {
  const o = settings.client
  const r = await clientRuns({ ...o, runs: settings.runs })
  for (const which of ['roundtable', 'bare'] as const) {
    log(
      `client ${which}: TTI ${r[which].map((x) => x.ttiMs.toFixed(0)).join(', ')} ms; pan ${r[which].map((x) => `${x.panFps.toFixed(0)} fps/${x.jankPercent.toFixed(0)}% slow`).join(', ')}`,
    )
  }
  const pick = (f: (x: ClientRun) => number) => ({ roundtable: summarize(r.roundtable.map(f)), bare: summarize(r.bare.map(f)) })
  return {
    short: `Client (${o.stickies.toLocaleString('en')} stickies)`,
    title: `Client: headless Chromium opens a ${o.stickies.toLocaleString('en')}-sticky board, clicks a note as soon as all are shown, then pans the board zoomed to fit`,
    metrics: {
      ttiMs: {
        label: 'time to interactive ms (notes shown and a click on one selected it)',
        lowerIsBetter: true,
        values: pick((x) => x.ttiMs),
      },
      shownMs: { label: 'ms until every note is in the DOM', lowerIsBetter: true, values: pick((x) => x.shownMs) },
      panFps: { label: 'frames/s while panning', lowerIsBetter: false, values: pick((x) => x.panFps) },
      jankPercent: { label: '% of panning frames over 20 ms', lowerIsBetter: true, values: pick((x) => x.jankPercent) },
      panPx: { label: 'camera moved while panning, px', lowerIsBetter: false, values: pick((x) => x.panPx) },
    },
  }
}

async function landing(): Promise<WorkloadResult> {
  const r = await landingRuns({ runs: settings.runs })
  for (const which of ['landing', 'board'] as const)
    log(
      `landing ${which}: ${r[which][0].jsGzipkB.toFixed(0)} kB gzip JS in ${r[which][0].jsFiles} files, usable after ${r[which].map((x) => x.usableMs.toFixed(0)).join(', ')} ms`,
    )
  const pick = (f: (x: PageRun) => number) => ({ landing: summarize(r.landing.map(f)), board: summarize(r.board.map(f)) })
  return {
    short: 'Landing page `/`',
    title:
      'Landing page: headless Chromium opens `/` (fresh context, nothing cached, the CSP in force) until its “New board” button is visible; a board page until its canvas (or name dialog) shows, for comparison',
    metrics: {
      jsGzipkB: { label: 'JavaScript fetched by then, kB gzip', lowerIsBetter: true, values: pick((x) => x.jsGzipkB) },
      jsWirekB: { label: 'the same as Chromium got it (brotli), kB', lowerIsBetter: true, values: pick((x) => x.jsWirekB) },
      jsRawkB: { label: 'the same uncompressed, kB', lowerIsBetter: true, values: pick((x) => x.jsRawkB) },
      jsFiles: { label: 'JavaScript files', lowerIsBetter: true, values: pick((x) => x.jsFiles) },
      uncompressedFiles: { label: 'files sent uncompressed', lowerIsBetter: true, values: pick((x) => x.uncompressedFiles) },
      usableMs: { label: 'ms from navigation until usable', lowerIsBetter: true, values: pick((x) => x.usableMs) },
    },
  }
}

const CLUSTER_LABEL = 'Roundtable, 3 processes on PostgreSQL'

/**
 * The cluster figures, each against the single process on SQLite measured here too: fan-out
 * spread over three processes (CPU of all of them and PostgreSQL's), fail-over after a kill -9
 * of an owner, and cold load from PostgreSQL.
 */
async function cluster(): Promise<Record<string, WorkloadResult>> {
  const o = settings.cluster
  const db = await startDatabase()
  try {
    const single = await startServer('roundtable', {
      env: { MAX_MESSAGES_PER_SECOND: '1000000', MESSAGE_BURST: '1000000', MAX_UPGRADES_PER_IP_PER_SECOND: '1000000' },
    })
    const many = await startCluster(db, { MAX_MESSAGES_PER_SECOND: '1000000', MESSAGE_BURST: '1000000' })
    const runs: Record<'roundtable' | 'cluster', FanoutRun[]> = { roundtable: [], cluster: [] }
    try {
      const opts = { readers: o.readers, updates: o.updates, hz: o.hz, deferredMs: o.deferredMs }
      // One unmeasured round each to warm up, then alternating. As in fanoutRounds, the next run
      // starts once the last one delivered, while that one's CPU window stays open (each setup's
      // CPU is its own processes', and PostgreSQL serves the cluster only).
      const windows = new Map<'roundtable' | 'cluster', Promise<void>>()
      for (let i = 0; i <= settings.runs; i++) {
        for (const [name, s] of (i % 2
          ? [
              ['cluster', many],
              ['roundtable', single],
            ]
          : [
              ['roundtable', single],
              ['cluster', many],
            ]) as ['roundtable' | 'cluster', RunningServer][]) {
          await windows.get(name)
          const run = fanoutRun(s, opts)
          await run.delivered
          windows.set(
            name,
            run.result.then((r) => {
              if (i === 0) return
              runs[name].push(r)
              log(`cluster fan-out ${name} run ${i}: ${r.cpuMsPer1000.toFixed(2)} ms CPU/1k deliveries, p99 ${r.p99Ms.toFixed(1)} ms`)
            }),
          )
        }
      }
      await Promise.all(windows.values())
    } finally {
      await single.stop()
      await many.stop()
    }
    const failovers: FailoverRun[] = []
    for (let i = 0; i < settings.runs; i++) {
      const r = await failoverRun(db, { boards: o.boards, perBoard: o.perBoard })
      failovers.push(r)
      log(`fail-over run ${i + 1}: ${r.failoverMs.toFixed(0)} ms until ${r.clients} clients were synced again`)
    }
    const seeds = [
      await coldLoadSeed('roundtable', o.stickies),
      await coldLoadSeed('roundtable', o.stickies, { env: { DATABASE_URL: db.url }, storedBytes: () => db.storedBytes() }),
    ]
    const cold: Record<'roundtable' | 'postgres', ColdRun[]> = { roundtable: [], postgres: [] }
    for (let i = 0; i < settings.runs; i++) {
      for (const [j, seed] of seeds.entries()) {
        const r = await coldLoadRun(seed)
        cold[j === 0 ? 'roundtable' : 'postgres'].push(r)
        log(`cold load ${j === 0 ? 'SQLite' : 'PostgreSQL'} run ${i + 1}: restart → synced ${r.restartMs.toFixed(0)} ms`)
      }
    }
    for (const seed of seeds) seed.dispose()
    const fan = (f: (r: FanoutRun) => number) => ({
      roundtable: summarize(runs.roundtable.map(f)),
      cluster: summarize(runs.cluster.map(f)),
    })
    const coldPick = (f: (r: ColdRun) => number) => ({
      roundtable: summarize(cold.roundtable.map(f)),
      postgres: summarize(cold.postgres.map(f)),
    })
    return {
      clusterFanout: {
        short: 'Cluster fan-out, paced',
        title: `Cluster fan-out, paced: 1 writer + ${o.readers} readers at ${o.hz} Hz, spread round-robin over 3 processes on PostgreSQL (the board's owner and two relaying), vs one process on SQLite; CPU of the 3 processes and PostgreSQL summed`,
        metrics: {
          p99Ms: { label: 'latency p99 ms', lowerIsBetter: true, values: fan((r) => r.p99Ms) },
          p50Ms: { label: 'latency p50 ms', lowerIsBetter: true, values: fan((r) => r.p50Ms) },
          cpuMsPer1000: { label: 'server CPU ms / 1,000 deliveries', lowerIsBetter: true, values: fan((r) => r.cpuMsPer1000) },
          messagesPerDelivery: { label: 'messages sent per delivery', lowerIsBetter: true, values: fan((r) => r.messagesPerDelivery) },
        },
        notes: (['roundtable', 'cluster'] as const).flatMap((k) => {
          const who = k === 'cluster' ? CLUSTER_LABEL : SERVER_LABEL.roundtable
          const reconnects = runs[k].reduce((n, r) => n + r.reconnects, 0)
          const loud = runs[k].filter((r) => !r.quiet).length
          return [
            ...(reconnects ? [`${who}: ${reconnects} client reconnections during the runs.`] : []),
            ...(loud ? [`${who}: not quiet within 30 s in ${loud} of ${runs[k].length} runs; all its CPU was counted.`] : []),
          ]
        }),
      },
      failover: {
        short: 'Fail-over',
        title: `Fail-over: ${o.boards} boards × ${o.perBoard} clients through HAProxy (round-robin) in front of 3 processes; kill -9 of the process owning the first board, until every client of its boards is synced again (each of its boards then checked to converge)`,
        metrics: {
          failoverMs: {
            label: 'ms from kill -9 until all its boards’ clients are synced',
            lowerIsBetter: true,
            values: { cluster: summarize(failovers.map((r) => r.failoverMs)) },
          },
          clients: {
            label: 'clients that had to reconnect',
            lowerIsBetter: false,
            values: { cluster: summarize(failovers.map((r) => r.clients)) },
          },
        },
      },
      coldPostgres: {
        short: `Cold load from PostgreSQL (${o.stickies.toLocaleString('en')} stickies)`,
        title: `Cold load from PostgreSQL: ${o.stickies.toLocaleString('en')} stickies stored, one process restarted, a new client until it holds them all; vs SQLite`,
        metrics: {
          restartMs: {
            label: 'ms from restart (process spawn) to fully synced',
            lowerIsBetter: true,
            values: coldPick((r) => r.restartMs),
          },
          connectMs: {
            label: 'ms from connect (server listening) to fully synced',
            lowerIsBetter: true,
            values: coldPick((r) => r.connectMs),
          },
        },
        notes: [
          `Stored: SQLite ${(seeds[0].storedBytes / 1024 ** 2).toFixed(1)} MiB, PostgreSQL (board tables) ${(seeds[1].storedBytes / 1024 ** 2).toFixed(1)} MiB.`,
        ],
      },
    }
  } finally {
    await db.stop()
  }
}

const GROWING: ServerKind[] = ['roundtable', 'reference']

/**
 * The paced fan-out, the cold load and idle memory at three sizes each, Roundtable and the
 * reference (`settings.growth.runs` runs per point, the median taken).
 */
async function growth(): Promise<GrowthResults> {
  const o = settings.growth
  const med = (xs: number[]) => summarize(xs).median
  const fanCpu: Partial<Record<ServerKind, GrowthPoint[]>> = { roundtable: [], reference: [] }
  const fanP99: Partial<Record<ServerKind, GrowthPoint[]>> = { roundtable: [], reference: [] }
  // The largest size is more readers than a board takes by default.
  const servers = await startFanoutServers(GROWING, { MAX_CONNECTIONS_PER_BOARD: String(Math.max(...o.readers) + 10) })
  try {
    const windows = new Map<ServerKind, Promise<void>>()
    for (const [i, readers] of o.readers.entries()) {
      const opts = { readers, updates: settings.fanout.paced.updates, hz: settings.fanout.paced.hz, deferredMs: settings.fanout.deferredMs }
      // Warm-up: one unmeasured round before the first size (smoke runs skip it).
      const runs = await fanoutRounds(servers, opts, `growth fan-out ${readers} readers`, i === 0 && !smoke, windows, i, o.runs)
      await Promise.all(windows.values())
      for (const k of GROWING) {
        fanCpu[k]!.push({ x: readers, y: med(runs[k].map((r) => r.cpuMsPer1000)) })
        fanP99[k]!.push({ x: readers, y: med(runs[k].map((r) => r.p99Ms)) })
      }
    }
  } finally {
    for (const s of servers) await s.stop()
  }
  const cold: Partial<Record<ServerKind, GrowthPoint[]>> = { roundtable: [], reference: [] }
  for (const stickies of o.stickies) {
    for (const kind of GROWING) {
      const seed = await coldLoadSeed(kind, stickies)
      try {
        const ms: number[] = []
        for (let i = 0; i < o.runs; i++) ms.push((await coldLoadRun(seed)).connectMs)
        cold[kind]!.push({ x: stickies, y: med(ms) })
        log(`growth cold load ${kind} ${stickies} stickies: ${med(ms).toFixed(0)} ms`)
      } finally {
        seed.dispose()
      }
    }
  }
  const memory: Partial<Record<ServerKind, GrowthPoint[]>> = { roundtable: [], reference: [] }
  const most = Math.max(...o.boards)
  for (let i = 0; i < o.runs; i++) {
    const curves = await memoryCurves(GROWING, o.boards, {
      ...settings.memory,
      // One address opens every board, and more boards are open than Roundtable keeps loaded by default.
      env: (kind) =>
        kind === 'roundtable'
          ? { MAX_CONNECTIONS_PER_IP: String(most + 50), MAX_UPGRADES_PER_IP_PER_SECOND: '1000000', MAX_BOARDS_LOADED: String(most + 50) }
          : undefined,
    })
    curves.forEach((c, k) => {
      log(
        `growth memory ${GROWING[k]}: ${c.points.map((p) => `${p.boards} boards ${p.rssMiB.toFixed(0)} MiB`).join(', ')}, ${c.reconnects} reconnects`,
      )
      for (const p of c.points) memory[GROWING[k]]!.push({ x: p.boards, y: p.aboveEmptyMiB })
    })
  }
  // Several runs: the median per size.
  for (const k of GROWING) memory[k] = o.boards.map((x) => ({ x, y: med(memory[k]!.filter((p) => p.x === x).map((p) => p.y)) }))
  return {
    fanoutCpu: { label: 'server CPU per delivery', xLabel: 'readers', unit: 'ms / 1,000 deliveries', perItem: true, points: fanCpu },
    fanoutP99: { label: 'p99 send → applied at every reader', xLabel: 'readers', unit: 'ms', perItem: false, points: fanP99 },
    cold: { label: 'connect → fully synced after a restart', xLabel: 'stickies', unit: 'ms', perItem: false, points: cold },
    memory: { label: 'server RSS above the empty server, every board idle', xLabel: 'boards', unit: 'MiB', perItem: false, points: memory },
  }
}

const WORKLOADS = { fanout, cold, memory, presence, client, landing, cluster, growth } as const

async function main() {
  fs.mkdirSync(OUT, { recursive: true })
  const started = Date.now()
  const cpu0 = machineCpuSample()
  const own0 = ownCpuMs()
  const load0 = os.loadavg()[0]
  let results: BenchResults | undefined
  let loadResults: LoadResults | undefined
  if (renderOnly) {
    // Nothing to run.
  } else if (load) {
    log(
      `load run: ${settings.load.boards * settings.load.perBoard} connections over ${settings.load.boards} boards for ${settings.load.seconds} s`,
    )
    const r = await loadRun(settings.load)
    log(`load: ${r.editsPerSec.toFixed(0)} edits/s, p99 ${r.latencyP99Ms.toFixed(1)} ms, ${r.convergedBoards}/${r.boards} boards converged`)
    loadResults = { date: new Date().toISOString(), smoke, machine: describeMachine(), settings: settings.load, result: r }
  } else {
    ensureBuilds()
    const workloads: Record<string, WorkloadResult> = {}
    let grown: GrowthResults | undefined
    for (const [name, run] of Object.entries(WORKLOADS)) {
      if (only && !only.includes(name)) continue
      if (quick && !QUICK_WORKLOADS.includes(name)) continue
      log(`${name}…`)
      if (name === 'growth') {
        grown = await growth()
        continue
      }
      const r = (await run()) as WorkloadResult | Record<string, WorkloadResult>
      // A workload may report more than one table (fan-out: bursts, paced and flood).
      Object.assign(workloads, 'metrics' in r ? { [name]: r } : r)
    }
    results = {
      date: new Date().toISOString(),
      smoke,
      machine: describeMachine(),
      runs: settings.runs,
      workloads,
      growth: grown,
      seconds: 0,
      machineLoad: { busyPercent: 0, othersPercent: 0, loadAverageStart: load0, loadAverageEnd: 0 },
    }
  }
  const seconds = (Date.now() - started) / 1000
  const cpu1 = machineCpuSample()
  const totalMs = ((cpu1.total - cpu0.total) * 1000) / 100
  const busyMs = ((cpu1.busy - cpu0.busy) * 1000) / 100
  const machineLoad = {
    busyPercent: (100 * busyMs) / totalMs,
    othersPercent: Math.max(0, (100 * (busyMs - (ownCpuMs() - own0))) / totalMs),
    loadAverageStart: load0,
    loadAverageEnd: os.loadavg()[0],
  }
  // Smoke and quick runs write files of their own, never over the full run's.
  const mode = smoke ? '.smoke' : quick ? '.quick' : ''
  const jsonName = `results${mode}.json`
  const loadJsonName = `load-results${mode}.json`
  const mdName = `RESULTS${mode}.md`
  const chartsDir = `charts${mode.replace('.', '-')}`
  if (results) {
    results.seconds = seconds
    results.machineLoad = machineLoad
    if (results.growth)
      results.growthMeasured = {
        date: results.date,
        runs: settings.growth.runs,
        busyPercent: machineLoad.busyPercent,
        othersPercent: machineLoad.othersPercent,
      }
    const previousFile = path.join(OUT, jsonName)
    if (only && fs.existsSync(previousFile)) {
      // Rerunning some workloads keeps the others' figures from the last run; the rerun ones say when and how they were measured.
      const previous = JSON.parse(fs.readFileSync(previousFile, 'utf8')) as BenchResults
      for (const w of Object.values(results.workloads)) {
        w.separately = {
          date: results.date,
          runs: results.runs,
          busyPercent: machineLoad.busyPercent,
          othersPercent: machineLoad.othersPercent,
        }
      }
      results = {
        ...previous,
        workloads: { ...previous.workloads, ...results.workloads },
        growth: results.growth ?? previous.growth,
        growthMeasured: results.growthMeasured ?? previous.growthMeasured,
      }
    }
    fs.writeFileSync(path.join(OUT, jsonName), JSON.stringify(results, null, 2) + '\n')
  }
  if (loadResults) {
    loadResults.seconds = seconds
    loadResults.machineLoad = machineLoad
    fs.writeFileSync(path.join(OUT, loadJsonName), JSON.stringify(loadResults, null, 2) + '\n')
  }
  const read = <T>(name: string): T | undefined => {
    const p = path.join(OUT, name)
    return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as T) : undefined
  }
  const benchResults = read<BenchResults>(jsonName)
  if (benchResults?.growth) await writeGrowthCharts(benchResults.growth, path.join(OUT, chartsDir))
  const clustersFile = path.join(OUT, 'CLUSTERS.md')
  const clusters = fs.existsSync(clustersFile) ? fs.readFileSync(clustersFile, 'utf8') : undefined
  const md = writeReport(benchResults, read<LoadResults>(loadJsonName), chartsDir, clusters)
  fs.writeFileSync(path.join(OUT, mdName), md)
  if (renderOnly) return log(`rendered ${path.join(OUT, mdName)}`)
  log(
    `done in ${seconds.toFixed(0)} s; machine ${machineLoad.busyPercent.toFixed(0)}% busy, others ${machineLoad.othersPercent.toFixed(0)}%; wrote ${path.join(OUT, mdName)}`,
  )
}

// Bounded: whatever happens, the bench stops itself (and its servers, see servers.ts).
const limit = setTimeout(
  () => {
    console.error('bench: time limit reached, stopping')
    process.exit(3)
  },
  (smoke || load ? 5 : quick ? 10 : 30) * 60_000,
)
limit.unref()

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
