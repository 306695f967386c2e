import { connect, type BenchClient } from '../clients.ts'
import { startServer, type RunningServer, type ServerKind } from '../servers.ts'
import { newBoard } from '../board.ts'
import { baseRecords, noteRecord, writeRecords } from '../records.ts'
import { median, sleep } from '../stats.ts'

/**
 * How long a server's boards sit untouched before its RSS may be read, for every server alike:
 * past Roundtable's timers, the longest of the three (a board untouched for DOC_IDLE_MS = 10 s
 * goes back to bytes; the garbage is collected a second after the last one did).
 */
export const MIN_IDLE_MS = 12_000
/** After this, RSS is read even if it has not settled (and the run is marked so). */
export const MAX_IDLE_MS = 40_000
/** RSS counts as settled when the samples over STABLE_SPAN_MS stay within this fraction. */
const STABLE_WITHIN = 0.01
const STABLE_SPAN_MS = 2000
const SAMPLE_MS = 250

export interface MemoryRun {
  /** RSS growth per board between half the boards and all of them, in KiB. */
  rssPerBoardKiB: number
  halfMiB: number
  fullMiB: number
  /** Socket reconnections of the clients over the run (a server dropping idle clients). */
  reconnects: number
  /** Clients whose socket was open when the full RSS was read (should be all of them). */
  connected: number
  /** Whether RSS settled at both readings before MAX_IDLE_MS. */
  settled: boolean
}

export interface MemoryOptions {
  boards: number
  records: number
  minIdleMs?: number
  maxIdleMs?: number
  env?: (kind: ServerKind) => Record<string, string> | undefined
}

/**
 * On a fresh server of each kind, opens `boards` / 2 boards, one client each, each client
 * writing ~`records` records, waits until RSS settles while idle, reads it; then the other half,
 * settle, read again. The growth between the two readings over the boards added is what a board
 * costs, free of the process's start-up memory and of what the first boards warm up.
 */
export async function memoryRuns(kinds: ServerKind[], opts: MemoryOptions): Promise<MemoryRun[]> {
  const half = Math.floor(opts.boards / 2)
  const curves = await memoryCurves(kinds, [half, opts.boards], opts)
  return curves.map(({ points: [a, b], reconnects, connected }) => ({
    rssPerBoardKiB: b.perBoardKiB,
    halfMiB: a.rssMiB,
    fullMiB: b.rssMiB,
    reconnects,
    connected,
    settled: a.settled && b.settled,
  }))
}

/**
 * Waits at least minIdleMs, then until RSS over the last STABLE_SPAN_MS stays within
 * STABLE_WITHIN of its median (or maxIdleMs passed); returns that median.
 */
async function settle(server: RunningServer, opts: MemoryOptions): Promise<{ rss: number; settled: boolean }> {
  const start = performance.now()
  await sleep(opts.minIdleMs ?? MIN_IDLE_MS)
  const samples: number[] = []
  const count = STABLE_SPAN_MS / SAMPLE_MS + 1
  for (;;) {
    samples.push(server.rssBytes())
    if (samples.length > count) samples.shift()
    const mid = median(samples)
    if (samples.length === count && Math.max(...samples) - Math.min(...samples) <= STABLE_WITHIN * mid) return { rss: mid, settled: true }
    if (performance.now() - start > (opts.maxIdleMs ?? MAX_IDLE_MS)) return { rss: mid, settled: false }
    await sleep(SAMPLE_MS)
  }
}

async function fill(server: RunningServer, boards: number, records: number): Promise<BenchClient[]> {
  const clients: BenchClient[] = []
  const concurrency = 50
  for (let start = 0; start < boards; start += concurrency) {
    const batch: BenchClient[] = []
    for (let i = start; i < Math.min(boards, start + concurrency); i++) batch.push(connect(server, newBoard('mem')))
    await Promise.all(batch.map((c) => c.synced))
    for (const c of batch) {
      const notes = Array.from({ length: records - 2 }, (_, i) => noteRecord(i, (i % 10) * 240, Math.floor(i / 10) * 240))
      writeRecords(c.doc, [...baseRecords(), ...notes])
    }
    clients.push(...batch)
  }
  return clients
}

export interface MemoryPoint {
  boards: number
  rssMiB: number
  /** RSS above the same server's, settled with no board open. */
  aboveEmptyMiB: number
  /** RSS growth per board since the previous reading (the fresh, idle server for the first), KiB. */
  perBoardKiB: number
  settled: boolean
}

/**
 * One fresh server per kind, side by side, read idle and settled with no board, then filled up
 * to each of `counts` boards (ascending), one client per board, settling and reading RSS at
 * each. Filling is CPU-bound: one fill at a time, in the order given; a server's next fill
 * starts once its reading is done, while the others still settle (a process's RSS does not
 * depend on who else uses the CPU). Also counts the clients' reconnections and those connected
 * at the last reading (a server dropping idle clients shows there).
 */
export async function memoryCurves(
  kinds: ServerKind[],
  counts: number[],
  opts: MemoryOptions,
): Promise<{ points: MemoryPoint[]; reconnects: number; connected: number }[]> {
  const servers: RunningServer[] = []
  const clients: BenchClient[][] = kinds.map(() => [])
  let fillLock = Promise.resolve()
  const exclusive = (f: () => Promise<void>) => {
    const p = fillLock.then(f)
    fillLock = p.catch(() => {})
    return p
  }
  try {
    for (const kind of kinds) servers.push(await startServer(kind, { env: opts.env?.(kind) }))
    return await Promise.all(
      servers.map(async (server, i) => {
        const empty = (await settle(server, { ...opts, minIdleMs: 2000 })).rss
        let previous = { boards: 0, rss: empty }
        const points: MemoryPoint[] = []
        for (const boards of counts) {
          await exclusive(async () => void clients[i].push(...(await fill(server, boards - previous.boards, opts.records))))
          const r = await settle(server, opts)
          points.push({
            boards,
            rssMiB: r.rss / 1024 ** 2,
            aboveEmptyMiB: (r.rss - empty) / 1024 ** 2,
            perBoardKiB: (r.rss - previous.rss) / (boards - previous.boards) / 1024,
            settled: r.settled,
          })
          previous = { boards, rss: r.rss }
        }
        return {
          points,
          reconnects: clients[i].reduce((n, c) => n + c.reconnects(), 0),
          connected: clients[i].filter((c) => c.connected()).length,
        }
      }),
    )
  } finally {
    for (const c of clients.flat()) c.destroy()
    for (const s of servers) await s.stop()
  }
}
