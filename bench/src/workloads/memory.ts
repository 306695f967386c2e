import { connect, type BenchClient } from '../clients.ts'
import { startServer, type RunningServer, type ServerKind } from '../servers.ts'
import { newBoard } from '../board.ts'
import { baseRecords, noteRecord, writeRecords } from '../records.ts'
import { median, sleep } from '../stats.ts'
import { quiet } from './coldload.ts'

/** How long the boards sit untouched before RSS is read: "idle" boards. */
export const IDLE_MS = 12_000

export interface MemoryRun {
  /** Server RSS growth per open board, in KiB. */
  rssPerBoardKiB: number
  baselineMiB: number
  totalMiB: number
}

/**
 * On a fresh server of each kind, opens `boards` boards, one client each, each client writing
 * ~50 records; once every server has been idle for IDLE_MS, (RSS - RSS before) / boards.
 * The servers are filled one after the other and then sit idle together: RSS does not depend
 * on sharing the CPU, and the idle wait is paid once.
 */
export async function memoryRuns(
  kinds: ServerKind[],
  opts: { boards: number; records: number; idleMs?: number; env?: (kind: ServerKind) => Record<string, string> | undefined },
): Promise<Record<string, MemoryRun>> {
  const servers: RunningServer[] = []
  const clients: BenchClient[] = []
  try {
    for (const kind of kinds) servers.push(await startServer(kind, { env: opts.env?.(kind) }))
    await sleep(500)
    const baselines = servers.map((s) => s.rssBytes())
    for (const server of servers) clients.push(...(await fill(server, opts)))
    for (const server of servers) await quiet(server, 1000, 60_000)
    // RSS moves with every collection; take the median of samples over the idle period's end.
    const idleMs = opts.idleMs ?? IDLE_MS
    const sampleMs = Math.min(3000, idleMs / 2)
    await sleep(idleMs - sampleMs)
    const samples: number[][] = servers.map(() => [])
    for (const end = Date.now() + sampleMs; Date.now() < end; await sleep(100)) servers.forEach((s, i) => samples[i].push(s.rssBytes()))
    return Object.fromEntries(
      servers.map((server, i) => {
        const rss = median(samples[i])
        return [server.kind, { rssPerBoardKiB: (rss - baselines[i]) / opts.boards / 1024, baselineMiB: baselines[i] / 1024 ** 2, totalMiB: rss / 1024 ** 2 }]
      }),
    )
  } finally {
    for (const c of clients) c.destroy()
    for (const s of servers) await s.stop()
  }
}

async function fill(server: RunningServer, opts: { boards: number; records: number }): Promise<BenchClient[]> {
  const clients: BenchClient[] = []
  const concurrency = 50
  for (let start = 0; start < opts.boards; start += concurrency) {
    const batch: BenchClient[] = []
    for (let i = start; i < Math.min(opts.boards, start + concurrency); i++) batch.push(connect(server, newBoard('mem')))
    await Promise.all(batch.map((c) => c.synced))
    for (const c of batch) {
      const notes = Array.from({ length: opts.records - 2 }, (_, i) => noteRecord(i, (i % 10) * 240, Math.floor(i / 10) * 240))
      writeRecords(c.doc, [...baseRecords(), ...notes])
    }
    clients.push(...batch)
  }
  return clients
}
