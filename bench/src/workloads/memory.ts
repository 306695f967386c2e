import { connect, type BenchClient } from '../clients.ts'
import { startServer, type ServerKind } from '../servers.ts'
import { newBoard } from '../board.ts'
import { baseRecords, noteRecord, writeRecords } from '../records.ts'
import { sleep } from '../stats.ts'
import { quiet } from './coldload.ts'

export interface MemoryRun {
  /** Server RSS growth per open board, in KiB. */
  rssPerBoardKiB: number
  baselineMiB: number
  totalMiB: number
}

/**
 * Opens `boards` boards on a fresh server, one client each, each client writing ~50 records;
 * once the server is idle, (RSS - RSS before) / boards.
 */
export async function memoryRun(kind: ServerKind, opts: { boards: number; records: number; env?: Record<string, string> }): Promise<MemoryRun> {
  const server = await startServer(kind, { env: opts.env })
  const clients: BenchClient[] = []
  try {
    await sleep(500)
    const baseline = server.rssBytes()
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
    await quiet(server, 1000, 60_000)
    const rss = server.rssBytes()
    return {
      rssPerBoardKiB: (rss - baseline) / opts.boards / 1024,
      baselineMiB: baseline / 1024 ** 2,
      totalMiB: rss / 1024 ** 2,
    }
  } finally {
    for (const c of clients) c.destroy()
    await server.stop()
  }
}
