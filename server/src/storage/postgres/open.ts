import type pg from 'pg'
import { createPool, type PoolOptions } from './connect.ts'
import { migrate } from './schema.ts'
import { PostgresBoardStorage } from './boards.ts'
import { PostgresSnapshotStorage } from './snapshots.ts'
import { PostgresBallotStore } from './ballots.ts'

export interface PostgresStores {
  pool: pg.Pool
  boards: PostgresBoardStorage
  snapshots: PostgresSnapshotStorage
  ballots: PostgresBallotStore
  /** Ends the pool (after the stores' close()). */
  close(): Promise<void>
}

/**
 * Every store on one pool for DATABASE_URL, the schema brought up to date first. Throws (one
 * line naming DATABASE_URL) for a malformed URL, and the database's own error when it cannot
 * be reached or migrated.
 */
export async function openPostgresStores(url: string, options: PoolOptions = {}): Promise<PostgresStores> {
  const pool = createPool(url, options)
  try {
    await migrate(pool)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }
  const boards = new PostgresBoardStorage(pool)
  const snapshots = new PostgresSnapshotStorage(pool)
  const ballots = new PostgresBallotStore(pool)
  return {
    pool,
    boards,
    snapshots,
    ballots,
    async close() {
      boards.close()
      snapshots.close()
      ballots.close()
      await pool.end()
    },
  }
}
