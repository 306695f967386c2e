import type pg from 'pg'
import { createPool, type PoolOptions } from './connect.ts'
import { migrate } from './schema.ts'
import { PostgresBoardStorage } from './boards.ts'
import { PostgresSnapshotStorage } from './snapshots.ts'
import { PostgresBallotStore } from './ballots.ts'
import { BoardOwnership } from '../../cluster/ownership.ts'
import type { Logger } from '../../logger.ts'
import type { Metrics } from '../../metrics.ts'

export interface PostgresStores {
  pool: pg.Pool
  boards: PostgresBoardStorage
  snapshots: PostgresSnapshotStorage
  ballots: PostgresBallotStore
  /** Which boards this process owns, when asked for (several processes on one database). */
  ownership: BoardOwnership | undefined
  /** Ends the pool (after the stores' close()). */
  close(): Promise<void>
}

/**
 * Every store on one pool for DATABASE_URL, the schema brought up to date first. Throws (one
 * line naming DATABASE_URL) for a malformed URL, and the database's own error when it cannot
 * be reached or migrated.
 */
export async function openPostgresStores(
  url: string,
  options: PoolOptions & { ownership?: { leaseMs: number; log: Logger; metrics: Metrics } } = {},
): Promise<PostgresStores> {
  const pool = createPool(url, options)
  try {
    await migrate(pool)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }
  const ownership = options.ownership && new BoardOwnership(pool, url, options.ownership)
  const boards = new PostgresBoardStorage(pool, ownership)
  const snapshots = new PostgresSnapshotStorage(pool)
  const ballots = new PostgresBallotStore(pool, ownership)
  return {
    pool,
    boards,
    snapshots,
    ballots,
    ownership,
    async close() {
      await ownership?.close()
      boards.close()
      snapshots.close()
      ballots.close()
      await pool.end()
    },
  }
}
