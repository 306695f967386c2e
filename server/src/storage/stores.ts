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

/** Every store the server uses, and the server secret view links are derived from. */
export interface Stores {
  boards: BoardStorage
  snapshots: SnapshotStorage
  ballots: BallotStore
  secret: Buffer
  /** Where they live, for the start-up log (never the password). */
  where: string
  close(): Promise<void>
}

/** Two classid/objid halves of the advisory lock a process holds while it uses a database. */
const ONE_PROCESS_LOCK = [0x526f756e, 0x64746162] as const

/**
 * SQLite under DATA_DIR, or, with DATABASE_URL, PostgreSQL for everything (schema created or
 * migrated first). One process per database for now: several would each hold a board and not
 * see each other's edits until boards have one owner process (SCALE-OUT.md), so a second
 * process on the same database stops at start with a clear message.
 */
export async function openStores(config: ServerConfig, log: Logger, given: Partial<Stores> = {}): Promise<Stores> {
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
  })
  const guard = await pg.pool.connect().catch(async (err: unknown) => {
    await pg.close()
    throw err
  })
  guard.on('error', (err) => log.error({ err }, 'lost the connection that marks this process as the database’s user'))
  const { rows } = await guard.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...ONE_PROCESS_LOCK])
  if (!rows[0]?.locked) {
    guard.release()
    await pg.close()
    throw new Error(
      'another Roundtable process already uses this database; this version runs one process per DATABASE_URL (several need board ownership, not built yet)',
    )
  }
  // A server moving from SQLite keeps its secret, so its view links keep working.
  const file = path.join(config.dataDir, SECRET_FILE)
  const seed = fs.existsSync(file) ? loadOrCreateSecret(config.dataDir) : undefined
  const secret = await loadOrCreateSecretPg(pg.pool, seed)
  return {
    boards: given.boards ?? pg.boards,
    snapshots: given.snapshots ?? pg.snapshots,
    ballots: given.ballots ?? pg.ballots,
    secret,
    where: `PostgreSQL at ${redactDatabaseUrl(config.databaseUrl)}`,
    async close() {
      guard.release(true)
      await pg.close()
    },
  }
}
