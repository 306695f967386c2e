import { connect } from '../clients.ts'
import { startServer, type RunningServer, type ServerKind } from '../servers.ts'
import { newBoard } from '../board.ts'
import { recordCount, stickyBoard, writeRecords } from '../records.ts'
import { sleep, until } from '../stats.ts'

/** Waits until the server has used no CPU for `quietMs` (its writes have settled). */
export async function quiet(server: RunningServer, quietMs = 500, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  let last = server.cpuMs()
  while (Date.now() < deadline) {
    await sleep(quietMs)
    const now = server.cpuMs()
    if (now - last <= 10) return
    last = now
  }
}

/**
 * Seeds a board of `stickies` notes (written in transactions of 100, as a workshop fills a
 * wall), stops the server, then `runs` times: start it on the same data, and time a new client
 * from connecting until it holds every record.
 */
export async function coldLoad(kind: ServerKind, opts: { stickies: number; runs: number }): Promise<number[]> {
  const board = newBoard('cold')
  const records = stickyBoard(opts.stickies)
  let server = await startServer(kind)
  const dataDir = server.dataDir
  try {
    const seeder = connect(server, board)
    await seeder.synced
    writeRecords(seeder.doc, records, 100)
    // A second client seeing everything means the server has applied it all.
    const check = connect(server, board)
    await check.synced
    await until(() => recordCount(check.doc) >= records.length, 60_000, 'the seeded board to reach a second client', 20)
    seeder.destroy()
    check.destroy()
    await quiet(server)
    await server.stop()

    const times: number[] = []
    for (let i = 0; i < opts.runs; i++) {
      server = await startServer(kind, { dataDir })
      const t0 = performance.now()
      const client = connect(server, board)
      await client.synced
      // The reference server may answer the handshake before its stored state is loaded, then
      // send that state as an update: the load counts as done when every record is here.
      await until(() => recordCount(client.doc) >= records.length, 60_000, `${kind} cold load`, 1)
      times.push(performance.now() - t0)
      client.destroy()
      await quiet(server, 300)
      await server.stop()
    }
    return times
  } finally {
    await server.stop()
  }
}
