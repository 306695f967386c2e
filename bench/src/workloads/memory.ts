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
 *
 * The servers run side by side; one fill at a time (filling is CPU-bound), in the order given,
 * and a server's second fill starts once its first reading is done, while the others still
 * settle: a process's RSS does not depend on who else uses the CPU.
 */
export async function memoryRuns(kinds: ServerKind[], opts: MemoryOptions): Promise<MemoryRun[]> {
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
    const half = Math.floor(opts.boards / 2)
    return await Promise.all(
      servers.map(async (server, i) => {
        await exclusive(async () => void clients[i].push(...(await fill(server, half, opts.records))))
        const a = await settle(server, opts)
        await exclusive(async () => void clients[i].push(...(await fill(server, opts.boards - half, opts.records))))
        const b = await settle(server, opts)
        return {
          rssPerBoardKiB: (b.rss - a.rss) / (opts.boards - half) / 1024,
          halfMiB: a.rss / 1024 ** 2,
          fullMiB: b.rss / 1024 ** 2,
          reconnects: clients[i].reduce((n, c) => n + c.reconnects(), 0),
          connected: clients[i].filter((c) => c.connected()).length,
          settled: a.settled && b.settled,
        }
      }),
    )
  } finally {
    for (const c of clients.flat()) c.destroy()
    for (const s of servers) await s.stop()
  }
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
