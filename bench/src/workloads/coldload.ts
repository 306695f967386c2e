import { connect } from '../clients.ts'
import { removeDir, startServer, tempDir, type RunningServer, type ServerKind } from '../servers.ts'
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

export interface ColdSeed {
  kind: ServerKind
  dataDir: string
  board: string
  records: number
  dispose(): void
}

/**
 * Seeds a board of `stickies` notes (written in transactions of 100, as a workshop fills a
 * wall) and stops the server, leaving its data dir for the runs.
 */
export async function coldLoadSeed(kind: ServerKind, stickies: number): Promise<ColdSeed> {
  const board = newBoard('cold')
  const records = stickyBoard(stickies)
  const server = await startServer(kind, { dataDir: tempDir(kind) })
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
  } finally {
    await server.stop()
  }
  return { kind, dataDir: server.dataDir, board, records: records.length, dispose: () => removeDir(server.dataDir) }
}

/** Starts the server on the seeded data and times a new client from connecting until it holds every record. */
export async function coldLoadRun(seed: ColdSeed): Promise<number> {
  const server = await startServer(seed.kind, { dataDir: seed.dataDir })
  try {
    const t0 = performance.now()
    const client = connect(server, seed.board)
    await client.synced
    // The reference server may answer the handshake before its stored state is loaded, then
    // send that state as an update: the load counts as done when every record is here.
    await until(() => recordCount(client.doc) >= seed.records, 60_000, `${seed.kind} cold load`, 1)
    const ms = performance.now() - t0
    client.destroy()
    await quiet(server, 300)
    return ms
  } finally {
    await server.stop()
  }
}
