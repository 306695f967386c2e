/**
 * Board ownership against a real throwaway PostgreSQL cluster, with two "processes" (each its
 * own pool, liveness connection and ownership) in this one: who may take a board, and that an
 * ex-owner's writes are fenced out once another process took the board over.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { newBoardId } from '@roundtable/shared'
import { startPostgres, type TestPostgres } from '../support/postgres.ts'
import { openPostgresStores, type PostgresStores } from '../../server/src/storage/postgres/open.ts'
import { OwnedElsewhereError } from '../../server/src/cluster/ownedElsewhere.ts'
import { FencedError } from '../../server/src/storage/boards.ts'
import { createLogger } from '../../server/src/logger.ts'
import { createMetrics } from '../../server/src/metrics.ts'

let db: TestPostgres
const opened: PostgresStores[] = []

beforeAll(async () => {
  db = await startPostgres()
}, 60_000)

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close()
})

afterAll(async () => {
  await db?.stop()
})

/** One process's stores, owning boards as `address`. */
async function processAt(address: string, leaseMs = 10_000): Promise<PostgresStores & { lost: string[] }> {
  const stores = await openPostgresStores(db.url, { ownership: { leaseMs, log: createLogger('silent'), metrics: createMetrics() } })
  opened.push(stores)
  await stores.ownership!.start(address)
  const lost: string[] = []
  stores.ownership!.whenLost((id) => lost.push(id))
  return Object.assign(stores, { lost })
}

async function asAdmin(sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: db.adminUrl })
  await client.connect()
  try {
    return (await client.query(sql, values)).rows
  } finally {
    await client.end()
  }
}

const update = (n: number) => new Uint8Array([0, 0, n])

describe('board ownership', () => {
  it('one process takes a board; the others learn where it is and cannot write to it', async () => {
    const a = await processAt('10.0.0.1:8080')
    const b = await processAt('10.0.0.2:8080')
    const board = newBoardId()
    await a.ownership!.acquire(board)
    await expect(b.ownership!.acquire(board)).rejects.toEqual(new OwnedElsewhereError('10.0.0.1:8080'))
    await a.boards.appendUpdate(board, update(1))
    await expect(b.boards.appendUpdate(board, update(2))).rejects.toBeInstanceOf(FencedError)
    await expect(b.boards.compact(board, update(3))).rejects.toBeInstanceOf(FencedError)
    await expect(b.ballots.createVote(board, { id: 'v1' } as never)).rejects.toBeInstanceOf(FencedError)
    expect((await b.boards.load(board)).updates).toEqual([Buffer.from(update(1))])
    // Released, it is anyone's at once.
    await a.ownership!.release(board, a.ownership!.epochOf(board))
    await b.ownership!.acquire(board)
    await expect(a.boards.appendUpdate(board, update(4))).rejects.toBeInstanceOf(FencedError)
    await b.boards.appendUpdate(board, update(5))
  })

  it('a process whose database session ended (it died) loses its boards at once; its writes are refused', async () => {
    const a = await processAt('10.0.0.1:8080')
    const b = await processAt('10.0.0.2:8080')
    const board = newBoardId()
    await a.ownership!.acquire(board)
    // What PostgreSQL does when a process dies: its sessions end, and with them its liveness lock.
    await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'roundtable-liveness'`)
    await b.ownership!.acquire(board)
    await expect(a.boards.appendUpdate(board, update(1))).rejects.toBeInstanceOf(FencedError)
    expect((await b.boards.load(board)).updates).toEqual([])
    // The epoch each update was written under is kept with it.
    await b.boards.appendUpdate(board, update(2))
    const rows = await asAdmin('SELECT epoch FROM board_updates WHERE board_id = $1', [board])
    expect(rows).toEqual([{ epoch: '2' }])
  })

  it('a live owner that stopped renewing (it stalled) is taken over once its lease ran out, and learns it lost the board', async () => {
    const a = await processAt('10.0.0.1:8080', 1000)
    const b = await processAt('10.0.0.2:8080', 1000)
    const board = newBoardId()
    await a.ownership!.acquire(board)
    // Renewed: still a's after twice the lease.
    await new Promise((r) => setTimeout(r, 2000))
    await expect(b.ownership!.acquire(board)).rejects.toBeInstanceOf(OwnedElsewhereError)
    // As if a had not renewed for a while.
    await asAdmin(`UPDATE board_owners SET lease_until = now() - interval '1 second' WHERE board_id = $1`, [board])
    await b.ownership!.acquire(board)
    await expect(a.boards.appendUpdate(board, update(1))).rejects.toBeInstanceOf(FencedError)
    await new Promise((r) => setTimeout(r, 700))
    expect(a.lost).toEqual([board])
    expect(a.ownership!.epochOf(board)).toBeUndefined()
  })
  it('forgets the boards of processes that died holding them, even when nobody opens those boards again', async () => {
    const a = await processAt('10.0.0.1:8080', 1000)
    const board = newBoardId()
    // A process that died: no liveness lock holds its key, and its lease ran out.
    await asAdmin(
      `INSERT INTO board_owners (board_id, owner_id, address, lock_key, epoch, lease_until) VALUES ($1, 'gone', '10.0.0.9:8080', 12345, 3, now() - interval '1 second')`,
      [board],
    )
    await a.ownership!.acquire(newBoardId())
    await expect
      .poll(async () => (await asAdmin('SELECT 1 FROM board_owners WHERE board_id = $1', [board])).length, { timeout: 8000 })
      .toBe(0)
  })
})
