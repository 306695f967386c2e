import fs from 'node:fs'
import path from 'node:path'
import { connect } from '../clients.ts'
import { removeDir, startServer, tempDir, type RunningServer, type ServerKind } from '../servers.ts'
import { newBoard } from '../board.ts'
import { recordCount, stickyBoard, writeRecords } from '../records.ts'
import { sleep, until } from '../stats.ts'

/** A 50,000-sticky board can take a busy server well over a minute to load or take in. */
const SYNC_TIMEOUT_MS = 180_000

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
  /** Added to the server's environment at every start (e.g. DATABASE_URL). */
  env?: Record<string, string>
  dataDir: string
  board: string
  records: number
  /** Bytes in the server's data dir once seeded and stopped: the board was really stored. */
  storedBytes: number
  dispose(): void
}

export interface ColdRun {
  /** Spawning the stopped server's process until a new client holds every record. */
  restartMs: number
  /** The client connecting (server listening) until it holds every record. */
  connectMs: number
}

function dirBytes(dir: string): number {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size
  }
  return n
}

/**
 * Seeds a board of `stickies` notes (written in transactions of 100, as a workshop fills a
 * wall) and stops the server, leaving its data dir for the runs.
 */
export async function coldLoadSeed(
  kind: ServerKind,
  stickies: number,
  opts: { env?: Record<string, string>; storedBytes?: () => Promise<number> } = {},
): Promise<ColdSeed> {
  const board = newBoard('cold')
  const records = stickyBoard(stickies)
  const server = await startServer(kind, { dataDir: tempDir(kind), env: opts.env })
  try {
    const seeder = connect(server, board, { syncTimeoutMs: SYNC_TIMEOUT_MS })
    await seeder.synced
    writeRecords(seeder.doc, records, 100)
    // A second client seeing everything means the server has applied it all.
    const check = connect(server, board, { syncTimeoutMs: SYNC_TIMEOUT_MS })
    await check.synced
    await until(() => recordCount(check.doc) >= records.length, SYNC_TIMEOUT_MS, 'the seeded board to reach a second client', 20)
    seeder.destroy()
    check.destroy()
    await quiet(server)
  } finally {
    await server.stop()
  }
  return {
    kind,
    env: opts.env,
    dataDir: server.dataDir,
    board,
    records: records.length,
    storedBytes: opts.storedBytes ? await opts.storedBytes() : dirBytes(server.dataDir),
    dispose: () => removeDir(server.dataDir),
  }
}

/**
 * Starts the server on the seeded data and times a new client until it holds every record,
 * from the process spawn (the restart) and from the moment the server listens (the connect).
 */
export async function coldLoadRun(seed: ColdSeed): Promise<ColdRun> {
  const t0 = performance.now()
  const server = await startServer(seed.kind, { dataDir: seed.dataDir, env: seed.env })
  try {
    const tListening = performance.now()
    const client = connect(server, seed.board, { syncTimeoutMs: SYNC_TIMEOUT_MS })
    await client.synced
    // The reference server may answer the handshake before its stored state is loaded, then
    // send that state as an update: the load counts as done when every record is here.
    await until(() => recordCount(client.doc) >= seed.records, SYNC_TIMEOUT_MS, `${seed.kind} cold load`, 1)
    const t1 = performance.now()
    client.destroy()
    await quiet(server, 300)
    return { restartMs: t1 - t0, connectMs: t1 - tListening }
  } finally {
    await server.stop()
  }
}
