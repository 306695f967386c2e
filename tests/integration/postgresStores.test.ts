/**
 * The PostgreSQL stores against a real throwaway cluster (tests/support/postgres.ts): the same
 * contract as SQLite's (tests/support/storeContract.ts), then what only a shared database has:
 * migrations and the secret across processes, compaction beside another writer, failing writes,
 * and connections the server drops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import * as Y from 'yjs'
import { startPostgres, type TestPostgres } from '../support/postgres.ts'
import { ballotStoreContract, boardStorageContract, movedRow, snapshotStorageContract, type MovedRow } from '../support/storeContract.ts'
import { createPool } from '../../server/src/storage/postgres/connect.ts'
import { migrate, schemaVersion, SCHEMA_VERSION } from '../../server/src/storage/postgres/schema.ts'
import { PostgresBoardStorage } from '../../server/src/storage/postgres/boards.ts'
import { PostgresSnapshotStorage } from '../../server/src/storage/postgres/snapshots.ts'
import { PostgresBallotStore } from '../../server/src/storage/postgres/ballots.ts'
import { loadOrCreateSecretPg } from '../../server/src/storage/postgres/secret.ts'
import { openPostgresStores } from '../../server/src/storage/postgres/open.ts'

let db: TestPostgres
let pool: pg.Pool
const pools: pg.Pool[] = []

/** A pool for the test role, ended after the file. */
function newPool(url = db.url, options: Parameters<typeof createPool>[1] = {}): pg.Pool {
  const p = createPool(url, options)
  pools.push(p)
  return p
}

/** Runs SQL as the superuser (on database rt unless told). */
async function asAdmin<T extends pg.QueryResultRow>(sql: string, values: unknown[] = [], database = 'rt'): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.adminUrl.replace(/\/rt$/, `/${database}`) })
  await client.connect()
  try {
    return (await client.query<T>(sql, values)).rows
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  db = await startPostgres()
  console.log(`PostgreSQL cluster started in ${db.startedInMs} ms at ${db.url}`)
  pool = newPool()
  await migrate(pool)
})

afterAll(async () => {
  for (const p of pools) await p.end().catch(() => {})
  await db?.stop()
})

describe('PostgresBoardStorage keeps the board storage contract', () => {
  boardStorageContract(async () => ({
    store: new PostgresBoardStorage(pool),
    async corrupt(boardId, row) {
      if (row.table === 'board_state') await pool.query(`UPDATE board_state SET data = '\\xdeadbeef' WHERE board_id = $1`, [boardId])
      else await pool.query(`UPDATE board_updates SET data = '\\xdeadbeef' WHERE board_id = $1 AND seq = $2`, [boardId, row.seq])
    },
    async movedAside(boardId) {
      const { rows } = await pool.query<MovedRow>(
        'SELECT source_table AS "table", source_seq AS seq, reason, data, state_vector, crc FROM corrupt_rows WHERE board_id = $1 ORDER BY id',
        [boardId],
      )
      return rows.map(movedRow)
    },
  }))
})

describe('PostgresSnapshotStorage keeps the snapshot storage contract', () => {
  snapshotStorageContract(async () => new PostgresSnapshotStorage(pool))
})

describe('PostgresBallotStore keeps the ballot store contract', () => {
  ballotStoreContract(async () => new PostgresBallotStore(pool))
})

describe('the test cluster', () => {
  it('gives Roundtable an ordinary role that owns its database', async () => {
    const { rows } = await pool.query(
      `SELECT current_user AS role, r.rolsuper AS superuser, pg_get_userbyid(d.datdba) AS owner,
              (SELECT count(*)::int FROM pg_extension WHERE extname <> 'plpgsql') AS extensions
       FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
    )
    expect(rows[0]).toEqual({ role: 'rt', superuser: false, owner: 'rt', extensions: 0 })
    const tables = await pool.query<{ tablename: string; tableowner: string }>(
      `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
    expect(tables.rows.map((t) => t.tablename)).toEqual([
      'ballots',
      'board_owners',
      'board_snapshots',
      'board_state',
      'board_updates',
      'corrupt_rows',
      'roundtable_schema',
      'server_secret',
      'view_tokens',
      'votes',
      'write_probe',
    ])
    expect(new Set(tables.rows.map((t) => t.tableowner))).toEqual(new Set(['rt']))
  })
})

describe('schema migrations', () => {
  it('apply once when several processes start at once, and are idempotent after', async () => {
    await asAdmin('CREATE DATABASE fresh OWNER rt', [], 'postgres')
    const url = db.url.replace(/\/rt$/, '/fresh')
    const starting = [newPool(url), newPool(url), newPool(url), newPool(url)]
    expect(await schemaVersion(starting[0])).toBe(0)
    const applied = await Promise.all(starting.map((p) => migrate(p)))
    // Each version exactly once, whichever process applied it.
    expect(applied.flat().sort()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
    expect(await schemaVersion(starting[1])).toBe(SCHEMA_VERSION)
    expect(await Promise.all(starting.map((p) => migrate(p)))).toEqual(starting.map(() => []))
    const { rows } = await starting[2].query('SELECT version FROM roundtable_schema ORDER BY version')
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
  })

  it('refuse a database a newer Roundtable migrated', async () => {
    await asAdmin('CREATE DATABASE newer OWNER rt', [], 'postgres')
    const p = newPool(db.url.replace(/\/rt$/, '/newer'))
    await migrate(p)
    await p.query(`INSERT INTO roundtable_schema (version, description) VALUES ($1, 'from the future')`, [SCHEMA_VERSION + 1])
    await expect(migrate(p)).rejects.toThrow(`the database schema is version ${SCHEMA_VERSION + 1}, newer than this Roundtable knows`)
  })
})

describe('loadOrCreateSecretPg', () => {
  it('makes one secret that every process (pool) shares, and never replaces it', async () => {
    const [a, b] = [newPool(), newPool()]
    const [first, second] = await Promise.all([loadOrCreateSecretPg(a), loadOrCreateSecretPg(b)])
    expect(first.length).toBe(32)
    expect(second.equals(first)).toBe(true)
    expect((await loadOrCreateSecretPg(b, Buffer.alloc(32, 7))).equals(first)).toBe(true)
  })

  it('stores a given secret (the one from DATA_DIR) when the database has none', async () => {
    await asAdmin('CREATE DATABASE seeded OWNER rt', [], 'postgres')
    const p = newPool(db.url.replace(/\/rt$/, '/seeded'))
    await migrate(p)
    const seed = Buffer.alloc(32, 3)
    expect((await loadOrCreateSecretPg(p, seed)).equals(seed)).toBe(true)
    expect((await loadOrCreateSecretPg(newPool(db.url.replace(/\/rt$/, '/seeded')))).equals(seed)).toBe(true)
    await expect(loadOrCreateSecretPg(p, Buffer.alloc(8))).rejects.toThrow('at least 16 bytes')
  })
})

describe('PostgresBoardStorage beside other processes', () => {
  const board = () => `board-${Math.random().toString(36).slice(2, 14)}`

  it('sees updates appended by two processes at once, each exactly once', async () => {
    const [a, b] = [new PostgresBoardStorage(newPool()), new PostgresBoardStorage(newPool())]
    const id = board()
    const docs = [new Y.Doc(), new Y.Doc()]
    await Promise.all(
      [a, b].map(async (store, i) => {
        for (let n = 0; n < 20; n++) {
          const doc = docs[i]
          let update: Uint8Array | undefined
          doc.once('update', (u: Uint8Array) => (update = u))
          doc.getMap('m').set(`${i}-${n}`, n)
          await store.appendUpdate(id, update!)
        }
      }),
    )
    const loaded = await a.load(id)
    expect(loaded.updates).toHaveLength(40)
    const doc = new Y.Doc()
    for (const u of loaded.updates) Y.applyUpdate(doc, u)
    expect(Object.keys(doc.getMap('m').toJSON())).toHaveLength(40)
  })

  it('compaction deletes only the log it has seen, not an update another process appended since', async () => {
    const [owner, other] = [new PostgresBoardStorage(pool), new PostgresBoardStorage(newPool())]
    const id = board()
    const doc = new Y.Doc()
    doc.getMap('m').set('a', 1)
    await owner.appendUpdate(id, Y.encodeStateAsUpdate(doc))
    const late = new Y.Doc()
    late.getMap('m').set('late', 2)
    await other.appendUpdate(id, Y.encodeStateAsUpdate(late))
    await owner.compact(id, Y.encodeStateAsUpdate(doc))
    const loaded = await owner.load(id)
    expect(loaded.updates).toHaveLength(1)
    const replayed = new Y.Doc()
    Y.applyUpdate(replayed, loaded.state!)
    Y.applyUpdate(replayed, loaded.updates[0])
    expect(replayed.getMap('m').toJSON()).toEqual({ a: 1, late: 2 })
    // Once this process has loaded the later update too, compaction takes all of it.
    await owner.compact(id, Y.encodeStateAsUpdate(replayed))
    expect((await owner.load(id)).updates).toEqual([])
  })

  it('fails a write quickly when the tables are locked, says writes are failing, and recovers', async () => {
    const store = new PostgresBoardStorage(newPool(db.url, { statementTimeoutMs: 300 }))
    const id = board()
    await store.appendUpdate(id, new Uint8Array([0, 0]))
    const locker = new pg.Client({ connectionString: db.adminUrl })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE board_updates, write_probe IN ACCESS EXCLUSIVE MODE')
    const started = performance.now()
    await expect(store.appendUpdate(id, new Uint8Array([0, 0]))).rejects.toThrow(/statement timeout/)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(store.writesFailing()).toBe(true)
    await expect(store.probeWrite()).rejects.toThrow()
    expect(await store.isReachable()).toBe(true)
    await locker.query('ROLLBACK')
    await locker.end()
    await store.probeWrite()
    expect(store.writesFailing()).toBe(false)
  })

  it('survives the server dropping its idle connections, and reconnects', async () => {
    const idleErrors: Error[] = []
    const p = newPool(db.url, { onIdleError: (err) => idleErrors.push(err) })
    const store = new PostgresBoardStorage(p)
    await Promise.all([store.isReachable(), store.isReachable(), store.isReachable()])
    const idle = p.idleCount
    expect(idle).toBeGreaterThan(0)
    await asAdmin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'roundtable' AND usename = 'rt' AND pid <> pg_backend_pid() AND state = 'idle'`,
    )
    // Each dropped connection is reported once and replaced; none is handed out dead afterwards.
    await expect.poll(() => idleErrors.length).toBe(idle)
    expect(p.idleCount).toBe(0)
    expect(await store.isReachable()).toBe(true)
    await store.appendUpdate(board(), new Uint8Array([0, 0]))
  })

  it('survives the server ending a connection in the middle of a transaction', async () => {
    const p = newPool()
    const store = new PostgresBoardStorage(p)
    const id = board()
    await store.appendUpdate(id, new Uint8Array([0, 0]))
    const locker = new pg.Client({ connectionString: db.adminUrl })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE board_state IN ACCESS EXCLUSIVE MODE')
    // compact() holds a connection inside its transaction, waiting for the lock.
    const compacting = store.compact(id, new Uint8Array([0, 0])).then(
      () => undefined,
      (err: Error) => err,
    )
    await expect
      .poll(
        async () =>
          (await asAdmin(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND usename = 'rt'`))[0].n,
      )
      .toBe(1)
    await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND usename = 'rt'`)
    expect((await compacting)?.message).toMatch(/terminat/)
    expect(store.writesFailing()).toBe(true)
    await locker.query('ROLLBACK')
    await locker.end()
    await store.compact(id, new Uint8Array([0, 0]))
    expect(store.writesFailing()).toBe(false)
    expect((await store.load(id)).updates).toEqual([])
    expect(p.totalCount).toBeLessThanOrEqual(1)
  })

  it('reports an unreachable database as such, without throwing', async () => {
    const store = new PostgresBoardStorage(newPool(`postgres://rt@127.0.0.1:1/rt`))
    expect(await store.isReachable()).toBe(false)
    await expect(store.probeWrite()).rejects.toThrow()
    expect(store.writesFailing()).toBe(true)
  })
})

describe('openPostgresStores', () => {
  it('migrates and opens every store on one pool, and closes it', async () => {
    const stores = await openPostgresStores(db.url)
    expect(await stores.boards.isReachable()).toBe(true)
    expect(await stores.snapshots.countKept('none')).toBe(0)
    expect(await stores.ballots.getVote('none', 'none')).toBeUndefined()
    await stores.close()
    expect(stores.pool.ended).toBe(true)
  })

  it('names DATABASE_URL when it is malformed, and the database error when it cannot connect', async () => {
    await expect(openPostgresStores('mysql://rt@127.0.0.1/rt')).rejects.toThrow(/^DATABASE_URL must start with postgres:\/\//)
    await expect(openPostgresStores(db.url.replace(/\/rt$/, '/missing'))).rejects.toThrow(/database "missing" does not exist/)
  })
})
