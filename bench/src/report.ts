import type { Summary } from './stats.ts'
import type { LoadResult } from './workloads/load.ts'
import { SERVER_LABEL, type ServerKind } from './servers.ts'
import { growthStatement, type GrowthResults } from './growth.ts'

export interface Metric {
  label: string
  lowerIsBetter: boolean
  /** By server kind, or 'bare' for bare tldraw. */
  values: Record<string, Summary>
}

export interface WorkloadResult {
  title: string
  /** How the goals table names the workload. */
  short?: string
  metrics: Record<string, Metric>
  /** Printed under the table: what did not go as planned (reconnections, a server never quiet). */
  notes?: string[]
  /** Single measurements by name and server, for checks (e.g. bytes each server stored). */
  details?: Record<string, Record<string, number>>
  /** Set when this workload was rerun alone (`--only`), not with the rest. */
  separately?: { date: string; runs: number; busyPercent: number; othersPercent: number }
}

export interface MachineLoad {
  busyPercent: number
  /** Share of the machine used by processes other than the bench and its children. */
  othersPercent: number
  loadAverageStart: number
  loadAverageEnd: number
}

interface Common {
  date: string
  smoke: boolean
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; os: string }
  seconds?: number
  machineLoad?: MachineLoad
}

export interface BenchResults extends Common {
  runs: number
  workloads: Record<string, WorkloadResult>
  /** "How cost grows" (the growth workload), when it ran. */
  growth?: GrowthResults
  growthMeasured?: { date: string; runs: number; busyPercent: number; othersPercent: number }
  seconds: number
  machineLoad: MachineLoad
}

export interface LoadResults extends Common {
  settings: { boards: number; perBoard: number; seconds: number; rate: number }
  result: LoadResult
}

const LABEL: Record<string, string> = {
  ...SERVER_LABEL,
  bare: 'bare tldraw (records loaded locally)',
  landing: 'Roundtable, landing page `/`',
  board: 'Roundtable, a board page',
  cluster: 'Roundtable, 3 processes on PostgreSQL',
  postgres: 'Roundtable on PostgreSQL',
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '–'
  if (Number.isInteger(x)) return x.toLocaleString('en')
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en')
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

const cell = (s: Summary | undefined) => (s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '–')

/** The goals of the benchmark issue, as ratios of medians from one run. */
export function goals(r: BenchResults) {
  const m = (w: string, metric: string, who: string) => r.workloads[w]?.metrics[metric]?.values[who]?.median
  const ratio = (w: string, metric: string, a: string, b: string) => {
    const x = m(w, metric, a)
    const y = m(w, metric, b)
    return x === undefined || y === undefined ? undefined : x / y
  }
  const name = (w: string) => r.workloads[w]?.short ?? w
  // A memory figure read while the clients were being dropped says less than it seems.
  const reconnected = (who: string) => (r.workloads.memory?.metrics.reconnects?.values[who]?.max ?? 0) > 0
  const memoryCaveat = ['roundtable', 'reference']
    .filter(reconnected)
    .map((k) => `${LABEL[k]}: clients reconnected, see Memory`)
    .join('; ')
  const rows: {
    workload: string
    goal: string
    measured: number | undefined
    unit: 'x' | 'fps' | 'ms' | 'kB'
    target: number
    atMost: boolean
    caveat?: string
  }[] = []
  // Targets per fan-out table: CPU vs reference, CPU vs floor, p99 vs reference.
  const fanoutTargets: [string, number, number | undefined, number][] = [
    ['fanout', 0.6, 1.5, 1],
    ['fanoutPaced', 0.5, 1.5, 1],
    ['fanoutFlood', 0.6, undefined, 0.8],
  ]
  for (const [w, vsReference, vsFloor, p99] of fanoutTargets) {
    rows.push({
      workload: name(w),
      goal: 'Server CPU per delivery vs reference',
      measured: ratio(w, 'cpuMsPer1000', 'roundtable', 'reference'),
      unit: 'x',
      target: vsReference,
      atMost: true,
    })
    if (vsFloor !== undefined)
      rows.push({
        workload: name(w),
        goal: 'Server CPU per delivery vs raw-ws floor',
        measured: ratio(w, 'cpuMsPer1000', 'roundtable', 'floor'),
        unit: 'x',
        target: vsFloor,
        atMost: true,
      })
    rows.push({
      workload: name(w),
      goal: 'p99 latency vs reference',
      measured: ratio(w, 'p99Ms', 'roundtable', 'reference'),
      unit: 'x',
      target: p99,
      atMost: true,
    })
  }
  rows.push(
    {
      workload: name('cold'),
      goal: 'Restart → fully synced vs reference',
      measured: ratio('cold', 'restartMs', 'roundtable', 'reference'),
      unit: 'x',
      target: 0.35,
      atMost: true,
    },
    {
      workload: name('memory'),
      goal: 'RSS per idle board vs reference',
      measured: ratio('memory', 'rssPerBoardKiB', 'roundtable', 'reference'),
      unit: 'x',
      target: 0.25,
      atMost: true,
      caveat: memoryCaveat || undefined,
    },
    {
      workload: name('client'),
      goal: 'Time to interactive vs bare tldraw',
      measured: ratio('client', 'ttiMs', 'roundtable', 'bare'),
      unit: 'x',
      target: 1,
      atMost: true,
    },
    {
      workload: name('client'),
      goal: 'Panning frame rate (Roundtable)',
      measured: m('client', 'panFps', 'roundtable'),
      unit: 'fps',
      target: 50,
      atMost: false,
    },
    {
      workload: name('landing'),
      goal: 'JavaScript (gzip) fetched before it is usable',
      measured: m('landing', 'jsGzipkB', 'landing'),
      unit: 'kB',
      target: 120,
      atMost: true,
    },
  )
  rows.push(
    {
      workload: name('clusterFanout'),
      goal: 'p99 latency, 3 processes vs 1',
      measured: ratio('clusterFanout', 'p99Ms', 'cluster', 'roundtable'),
      unit: 'x',
      target: 1.5,
      atMost: true,
    },
    {
      workload: name('clusterFanout'),
      goal: 'CPU per delivery (all processes and PostgreSQL) vs 1 process',
      measured: ratio('clusterFanout', 'cpuMsPer1000', 'cluster', 'roundtable'),
      unit: 'x',
      target: 1.5,
      atMost: true,
    },
    {
      workload: name('failover'),
      goal: 'kill -9 of an owner until its clients are synced',
      measured: m('failover', 'failoverMs', 'cluster'),
      unit: 'ms',
      target: 3000,
      atMost: true,
    },
  )
  // A figure rerun alone on a machine others were busy on is marked as such.
  const underLoad = (workload: string) => {
    const w = Object.values(r.workloads).find((x) => (x.short ?? '') === workload)?.separately
    return w && w.othersPercent >= 20
      ? `measured under load ${w.date.slice(0, 16).replace('T', ' ')} UTC, ${w.othersPercent.toFixed(0)}% of the machine other processes`
      : undefined
  }
  return rows.map((g) => ({
    ...g,
    caveat: [g.caveat, underLoad(g.workload)].filter(Boolean).join('; ') || undefined,
    met: g.measured === undefined ? undefined : g.atMost ? g.measured <= g.target : g.measured >= g.target,
  }))
}

function machineLines(r: Common): string[] {
  const lines = [
    `- Date: ${r.date.slice(0, 16).replace('T', ' ')} UTC${r.seconds ? `, whole run ${Math.round(r.seconds)} s` : ''}`,
    `- Machine: ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB memory, ${r.machine.os}, Node ${r.machine.node}`,
  ]
  if (r.machineLoad) {
    const l = r.machineLoad
    lines.push(
      `- Machine load during the run: ${l.busyPercent.toFixed(0)}% busy, of which ${l.othersPercent.toFixed(0)}% of the machine was other processes (not the bench); load average ${l.loadAverageStart.toFixed(1)} → ${l.loadAverageEnd.toFixed(1)}`,
    )
  }
  return lines
}

/** The "How cost grows" section: per curve, a table of the sizes, a line per server and its chart. */
function growthSection(r: BenchResults, chartsDir: string): string[] {
  const g = r.growth!
  const m = r.growthMeasured
  const out = ['## How cost grows', '']
  if (m)
    out.push(
      `Measured${m.othersPercent >= 20 ? ' under load' : ''} on ${m.date.slice(0, 16).replace('T', ' ')} UTC (${m.runs} run${m.runs === 1 ? '' : 's'} per point, the median taken; machine ${m.busyPercent.toFixed(0)}% busy over the whole bench run, ${m.othersPercent.toFixed(0)}% other processes). Fan-out is the paced one (60 Hz), each reader count on the same two warm servers; cold load seeds a fresh board of that many stickies and times connect → synced after a restart (the process start-up, the same at every size, left out); memory fills one fresh server per kind up to each count, one client per board, reading RSS once idle and settled as in Memory above, less the same server's RSS settled before any board was open (the first reading also holds what the process warms up once: its heap growing, code compiled). The growth is the exponent b of total cost ∝ size^b between the smallest and largest size (a per-delivery figure counts one more power): linear within 0.85–1.15.`,
      '',
    )
  for (const [name, curve] of Object.entries(g)) {
    const kinds = Object.keys(curve.points) as ServerKind[]
    const xs = curve.points[kinds[0]]!.map((p) => p.x)
    out.push(`### ${curve.label[0].toUpperCase()}${curve.label.slice(1)} by ${curve.xLabel}`, '')
    out.push(`| Server | ${xs.map((x) => `${x.toLocaleString('en')} ${curve.xLabel}, ${curve.unit}`).join(' | ')} |`)
    out.push(`| --- | ${xs.map(() => '---').join(' | ')} |`)
    for (const k of kinds) out.push(`| ${LABEL[k]} | ${curve.points[k]!.map((p) => fmt(p.y)).join(' | ')} |`)
    out.push('')
    for (const k of kinds) {
      const line = growthStatement(curve, k)
      if (line) out.push(`- ${line}`)
    }
    // The smallest size also carries what any first load warms up; the step between the two largest does not.
    if (!curve.perItem) {
      const steps = kinds.map((k) => {
        const [a, b] = curve.points[k]!.slice(-2)
        return `${LABEL[k]} ${fmt((b.y - a.y) / (b.x - a.x))}`
      })
      const [a, b] = curve.points[kinds[0]]!.slice(-2)
      out.push(
        `- From ${a.x.toLocaleString('en')} to ${b.x.toLocaleString('en')} ${curve.xLabel}, each one more added (${curve.unit}): ${steps.join(', ')}.`,
      )
    }
    out.push('', `![${curve.label} by ${curve.xLabel}](${chartsDir}/growth-${name}.svg)`, '')
  }
  return out
}

/**
 * The cluster suggestions' figures (`npm run bench:clusters` writes CLUSTERS.md) as a section of
 * this report: the same text, its headings one level down.
 */
function clustersSection(clusters: string): string[] {
  const body = clusters.split('\n').slice(1).join('\n').trim()
  return ['## Cluster suggestions (from CLUSTERS.md)', '', body.replace(/^## /gm, '### '), '']
}

export function writeReport(
  bench: BenchResults | undefined,
  load: LoadResults | undefined,
  chartsDir = 'charts',
  clusters?: string,
): string {
  const out: string[] = ['# Benchmarks', '']
  out.push(
    'Generated by `npm run bench` (and `npm run bench:load` for the load run); do not edit by hand. Each figure is the median of the runs with min–max in brackets; ratios are of medians from the same run on the same machine. Every server runs as its own process on 127.0.0.1; server CPU is the user+system time of all its threads, read in nanoseconds from `/proc/<pid>/task/*/schedstat` (`/proc/<pid>/stat` counts the same time in 10 ms ticks); RSS is from `/proc/<pid>/status`. The clients all run in the bench process.',
    '',
    'How each server runs: Roundtable with its defaults (SQLite, every update stored before it is sent; started as `npm start` does it: the built server bundle, `server/dist/main.mjs`), except two limits a single benchmark machine trips over: the per-connection message rate for the fan-out writer (it sends far faster than a person) and the connections per address for the memory and load runs (every client comes from 127.0.0.1). The reference is `@y/websocket-server` 0.1.1 with `YPERSISTENCE` (y-leveldb); Hocuspocus 4 uses its SQLite extension (it stores the whole document 2 s after changes, not each update); both are plain JavaScript run by node. The floor relays each frame to the other sockets on the same path.',
    '',
    'Method, per workload:',
    '',
    `- Fan-out, two tables: bursts (the writer keeps up to 16 updates in flight; a server may merge what arrives together, Roundtable does within 4 ms) and paced (one update every 1/60 s, like a drag: nothing to merge). Latency is per update, from the writer's send until the last reader applied it. Server CPU is counted from a quiet server (at most 5 ms of CPU in a second, clients connected and synced) until at least 11 s after the last delivery and quiet again, with the clients still connected, so deferred work (Hocuspocus' store 2 s after the last change, Roundtable turning a board idle for 10 s back into bytes, garbage collection) counts in the run that caused it; what the server spends idle over that time (its CPU rate when quiet, a column of its own) is taken off. Meanwhile the next server runs; a server's next run waits for its window to close. Messages per delivery counts every WebSocket message the server sent, to the readers and the writer, over (updates × readers). The fan-out clients publish no presence. Bursts get one unmeasured warm-up round; the paced runs follow on the same processes.`,
    '- Cold load: the goal uses restart → synced, from spawning the stopped server until a new client holds every record; connect → synced starts when the server listens. Start-up is part of a restart; each server starts as described above.',
    `- Memory: per board is the slope between two readings on the same process, half the boards open and all of them, so start-up memory and fill order do not enter. Each reading waits until the server's boards have been idle 12 s (past Roundtable's 10 s idle timer and the collection after it) and RSS stays within 1% over 2 s (at most 40 s), the same rule for every server. Each client's socket openings are counted: a server that drops idle clients shows as reconnections, and the clients connected when RSS was read are shown. Up to three runs go side by side (filling one server at a time).`,
    "- Presence: each window starts after 1 s of moving, past the joins. The send rate is the cursor moves each client published; the stock y-websocket client (the reference's) also sends back every presence change it receives, which the messages column shows; Roundtable's web client is that client sending only its own presence, and the bench's Roundtable clients do the same.",
    "- Client: time to interactive is from navigation until every note is in the DOM and a click on one of them, sent then, has selected it (read from the page's tldraw editor). Bare tldraw gets the records inlined in its page. Panning counts requestAnimationFrame callbacks (60 at most) and the frames over 20 ms (at least one frame dropped), and checks the camera moved.",
    '- Flood: the fan-out harness with every update sent in one go (no window, no pacing), on the same warm servers after the paced runs; latency of each update until the last reader applied it, so p99 is the tail of draining the whole flood.',
    "- Landing page: a fresh Chromium context (nothing cached, the page's CSP in force; a CSP violation fails the run) opens `/` until its “New board” button is visible, and a new board's page until its canvas or name dialog shows. JavaScript counts every script response by then; gzip is each of those files fetched again asking for gzip only, as the server sends it.",
    '- `npm run bench -- --quick` (results.quick.json, RESULTS.quick.md) gives the goals in a few minutes: one run each, 400 boards for memory, no Hocuspocus, presence, cluster or growth.',
    '',
  )
  if (bench) {
    out.push(
      ...machineLines(bench),
      `- Runs per figure: ${bench.runs}${bench.smoke ? ' (smoke mode: tiny sizes, the numbers mean nothing)' : ''}`,
      '',
    )
    const g = goals(bench)
    if (g.some((x) => x.measured !== undefined)) {
      out.push('## Goals', '', '| Workload | Goal | Measured | Target | Met |', '| --- | --- | --- | --- | --- |')
      for (const x of g) {
        if (x.measured === undefined) continue
        const unit = (v: number) => (x.unit === 'x' ? `${v.toFixed(2)}×` : `${v.toFixed(0)} ${x.unit}`)
        const v = `${unit(x.measured)}${x.caveat ? ` (${x.caveat})` : ''}`
        const t = `${x.atMost ? '≤' : '≥'} ${x.unit === 'x' ? `${x.target}×` : `${x.target} ${x.unit}`}`
        out.push(`| ${x.workload} | ${x.goal} | ${v} | ${t} | ${x.met ? 'yes' : '**no**'} |`)
      }
      out.push('')
    }
    for (const w of Object.values(bench.workloads)) {
      out.push(`## ${w.title}`, '')
      if (w.separately) {
        const x = w.separately
        out.push(
          `Measured separately on ${x.date.slice(0, 16).replace('T', ' ')} UTC (${x.runs} runs; machine ${x.busyPercent.toFixed(0)}% busy, ${x.othersPercent.toFixed(0)}% other processes); its ratios compare figures from that run only.`,
          '',
        )
      }
      const metrics = Object.values(w.metrics)
      const who = Object.keys(metrics[0].values)
      const ref = who.includes('reference') ? 'reference' : who.includes('bare') ? 'bare' : undefined
      out.push(
        `| Server | ${metrics.map((m) => m.label).join(' | ')} |${ref ? ` ${metrics[0].label}: ratio to ${ref === 'bare' ? 'bare tldraw' : 'reference'} |` : ''}`,
      )
      out.push(`| --- | ${metrics.map(() => '---').join(' | ')} |${ref ? ' --- |' : ''}`)
      for (const k of who) {
        const ratio = ref ? metrics[0].values[k].median / metrics[0].values[ref].median : undefined
        out.push(`| ${LABEL[k] ?? k} | ${metrics.map((m) => cell(m.values[k])).join(' | ')} |${ref ? ` ${ratio!.toFixed(2)}× |` : ''}`)
      }
      out.push('')
      if (w.notes?.length) out.push(...w.notes.map((n) => `- ${n}`), '')
    }
    if (bench.growth) out.push(...growthSection(bench, chartsDir))
  }
  if (load) {
    const r = load.result
    out.push(
      `## Load run: ${r.connections} connections over ${r.boards} boards, concurrent edits for ${load.settings.seconds} s (Roundtable)`,
      '',
    )
    out.push(...machineLines(load), '')
    out.push(
      `Each stock y-websocket client moves its own sticky ${load.settings.rate} times a second and every fifth move also writes one of three shared stickies (concurrent writes to one record); the clients run in two worker threads of the bench process, boards split between them. Afterwards a fresh client per board reads what the server holds and every client must equal it (state vector and records). Latency is from the edit to its arrival at each peer; the server's message counts include presence and the clean-up writes YKeyValue makes when two people wrote one sticky.${load.smoke ? ' (smoke mode: tiny sizes.)' : ''}`,
      '',
      '| Figure | Value |',
      '| --- | --- |',
      `| edits sent per second (all clients) | ${fmt(r.editsPerSec)} |`,
      `| server messages in per second | ${fmt(r.serverMessagesInPerSec)} |`,
      `| server messages out per second | ${fmt(r.serverMessagesOutPerSec)} |`,
      `| edit latency p50 / p99 (sent → applied at a peer) | ${fmt(r.latencyP50Ms)} ms / ${fmt(r.latencyP99Ms)} ms |`,
      `| server CPU over the run | ${fmt(r.serverCpuSeconds)} s (${fmt((100 * r.serverCpuSeconds) / r.seconds)}% of one core) |`,
      `| server peak RSS | ${fmt(r.serverPeakRssMiB)} MiB |`,
      `| boards where every client equals the server's state | ${r.convergedBoards} / ${r.boards} |`,
      `| clients equal to the server's state | ${r.convergedClients} / ${r.connections} |`,
      `| connections closed by a limit | ${r.refusedConnections} |`,
      '',
    )
  }
  if (clusters) out.push(...clustersSection(clusters))
  return out.join('\n')
}

export type { ServerKind }
