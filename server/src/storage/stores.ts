import fs from 'node:fs'
import path from 'node:path'
import type { ServerConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import { loadOrCreateSecret, SECRET_FILE } from '../access.ts'
import type { BoardStorage } from './boards.ts'
import type { SnapshotStorage } from './snapshots.ts'
import type { BallotStore } from './ballots.ts'
import { SqliteStorage } from './sqlite/boards.ts'
import { SqliteSnapshotStorage } from './sqlite/snapshots.ts'
import { SqliteBallotStore } from './sqlite/ballots.ts'
import type { BoardOwnership } from '../cluster/ownership.ts'
import type { Metrics } from '../metrics.ts'

/** Every store the server uses, and the server secret view links are derived from. */
export interface Stores {
  boards: BoardStorage
  snapshots: SnapshotStorage
  ballots: BallotStore
  secret: Buffer
  /** Which boards this process owns among the processes sharing the database (PostgreSQL only). */
  ownership?: BoardOwnership
  /** Where they live, for the start-up log (never the password). */
  where: string
  close(): Promise<void>
}

/**
 * SQLite under DATA_DIR, or, with DATABASE_URL, PostgreSQL for everything (schema created or
 * migrated first), with board ownership so that several processes can share the database.
 */
export async function openStores(
  config: ServerConfig,
  log: Logger,
  metrics: Metrics,
  given: Partial<Omit<Stores, 'ownership'>> = {},
): Promise<Stores> {
  if (!config.databaseUrl) {
    const boards = given.boards ?? new SqliteStorage(config.dataDir)
    const snapshots = given.snapshots ?? new SqliteSnapshotStorage(config.dataDir)
    const ballots = given.ballots ?? new SqliteBallotStore(config.dataDir)
    return {
      boards,
      snapshots,
      ballots,
      secret: loadOrCreateSecret(config.dataDir),
      where: `SQLite in ${config.dataDir}`,
      async close() {
        boards.close()
        snapshots.close()
        ballots.close()
      },
    }
  }
  // Loaded only here: a server on SQLite never loads the PostgreSQL driver.
  const [{ openPostgresStores }, { loadOrCreateSecretPg }, { redactDatabaseUrl }] = await Promise.all([
    import('./postgres/open.ts'),
    import('./postgres/secret.ts'),
    import('./postgres/url.ts'),
  ])
  const pg = await openPostgresStores(config.databaseUrl, {
    onIdleError: (err) => log.warn({ err }, 'a database connection failed; replacing it'),
    ownership: { leaseMs: config.cluster.leaseMs, log, metrics },
  })
  // A server moving from SQLite keeps its secret, so its view links keep working.
  const file = path.join(config.dataDir, SECRET_FILE)
  const seed = fs.existsSync(file) ? loadOrCreateSecret(config.dataDir) : undefined
  const secret = await loadOrCreateSecretPg(pg.pool, seed)
  return {
    boards: given.boards ?? pg.boards,
    snapshots: given.snapshots ?? pg.snapshots,
    ballots: given.ballots ?? pg.ballots,
    secret,
    ownership: pg.ownership,
    where: `PostgreSQL at ${redactDatabaseUrl(config.databaseUrl)}`,
    close: () => pg.close(),
  }
}
