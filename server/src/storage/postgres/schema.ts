import type pg from 'pg'
import { transaction } from './transaction.ts'

/**
 * The schema, one migration per version, applied in order at start. Each migration runs in its
 * own transaction that first takes a transaction-level advisory lock, so processes starting at
 * once apply each migration exactly once (the others wait, then see it applied). Never edit a
 * released migration: add the next one.
 *
 * Checksums (crc) are CRC-32 values (0…2³²−1, so bigint); NULL means "written before
 * checksums" and is trusted, as in SQLite. Times read back by the app are epoch milliseconds
 * (bigint), the others timestamptz.
 */
export const MIGRATIONS: readonly { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: 'boards, view tokens, snapshots, ballots, server secret, board owners',
    sql: `
      CREATE TABLE board_state (
        board_id text PRIMARY KEY,
        data bytea NOT NULL,
        crc bigint CHECK (crc BETWEEN 0 AND 4294967295),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE board_updates (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        board_id text NOT NULL,
        data bytea NOT NULL,
        crc bigint CHECK (crc BETWEEN 0 AND 4294967295),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX board_updates_by_board ON board_updates (board_id, seq);
      -- Rows that failed their checksum or could not be applied: kept for an operator, never deleted.
      CREATE TABLE corrupt_rows (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        board_id text NOT NULL,
        source_table text NOT NULL CHECK (source_table IN ('board_state', 'board_updates')),
        source_seq bigint,
        data bytea NOT NULL,
        crc bigint,
        reason text NOT NULL,
        detected_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX corrupt_rows_by_board ON corrupt_rows (board_id);
      CREATE TABLE view_tokens (
        token text PRIMARY KEY,
        board_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE write_probe (
        id integer PRIMARY KEY,
        at timestamptz NOT NULL
      );
      CREATE TABLE board_snapshots (
        id text PRIMARY KEY,
        -- Breaks ties between snapshots taken in the same millisecond (SQLite's rowid).
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        board_id text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('named', 'auto', 'before-restore')),
        created_by text,
        created_at bigint NOT NULL,
        bytes integer NOT NULL,
        data bytea NOT NULL
      );
      CREATE INDEX board_snapshots_by_board ON board_snapshots (board_id, created_at DESC, seq DESC);
      CREATE TABLE votes (
        board_id text NOT NULL,
        vote_id text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (board_id, vote_id)
      );
      CREATE TABLE ballots (
        board_id text NOT NULL,
        vote_id text NOT NULL,
        participant_id text NOT NULL,
        dots jsonb NOT NULL,
        PRIMARY KEY (board_id, vote_id, participant_id)
      );
      -- One row: view tokens are derived from it, so every process must use the same one.
      CREATE TABLE server_secret (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        secret bytea NOT NULL CHECK (octet_length(secret) >= 16),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Which process owns a loaded board (used by the ownership work; nothing writes it yet).
      CREATE TABLE board_owners (
        board_id text PRIMARY KEY,
        owner text NOT NULL,
        epoch bigint NOT NULL,
        lease_until timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'board ownership: the owner process, its relay address and liveness lock; the epoch each update was written under',
    sql: `
      -- Nothing wrote version 1's table: it is replaced (see cluster/ownership.ts for the rules).
      DROP TABLE board_owners;
      CREATE TABLE board_owners (
        board_id text PRIMARY KEY,
        -- A process's id, new at every start.
        owner_id text NOT NULL,
        -- Where the owner takes relayed connections (host:port).
        address text NOT NULL,
        -- The advisory lock the owner holds while it lives (pg_locks objid).
        lock_key integer NOT NULL CHECK (lock_key > 0),
        -- One more at every change of owner; every write of the owner checks it (fencing).
        epoch bigint NOT NULL,
        lease_until timestamptz NOT NULL
      );
      CREATE INDEX board_owners_by_owner ON board_owners (owner_id);
      -- The ownership epoch an update was appended under (NULL: written without ownership).
      ALTER TABLE board_updates ADD COLUMN epoch bigint;
    `,
  },
  {
    version: 3,
    description: "a compacted state's state vector, so a board can be synced without decoding it",
    sql: `
      -- NULL: not known (written before); the row's crc covers it when present.
      ALTER TABLE board_state ADD COLUMN state_vector bytea;
    `,
  },
  {
    version: 4,
    description: 'a state row moved aside keeps its state vector, which its checksum covers',
    sql: `
      ALTER TABLE corrupt_rows ADD COLUMN state_vector bytea;
    `,
  },
]

/** Key of the transaction-level advisory lock that serialises migrations (any constant; "rtschema"). */
export const MIGRATION_LOCK = 0x7274736368656d61n

/** How long one migration (with the wait for the lock) may take. */
const MIGRATION_TIMEOUT_MS = 120_000

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

/**
 * Brings the database to SCHEMA_VERSION; safe to run from several processes at once. Returns the
 * versions this call applied (empty when another process, or an earlier start, already had).
 * Throws when the database is newer than this code (a newer Roundtable migrated it).
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const applied: number[] = []
  for (;;) {
    const step = await transaction(pool, async (client) => {
      // Migrations may take longer than the pool's timeouts (server and client side), and so may
      // waiting for the lock while another process migrates.
      const query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
        client.query<R>({ text, values, query_timeout: MIGRATION_TIMEOUT_MS + 10_000 } as pg.QueryConfig)
      await query(`SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`)
      await query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()])
      await query(`CREATE TABLE IF NOT EXISTS roundtable_schema (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
      const { rows } = await query<{ version: number | null }>('SELECT max(version) AS version FROM roundtable_schema')
      const current = rows[0].version ?? 0
      if (current > SCHEMA_VERSION) {
        throw new Error(
          `the database schema is version ${current}, newer than this Roundtable knows (${SCHEMA_VERSION}): run a newer Roundtable`,
        )
      }
      const next = MIGRATIONS.find((m) => m.version > current)
      if (!next) return undefined
      await query(next.sql)
      await query('INSERT INTO roundtable_schema (version, description) VALUES ($1, $2)', [next.version, next.description])
      return next.version
    })
    if (step === undefined) return applied
    applied.push(step)
  }
}

/** The version the database is at (0 before the first migration). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const { rows: exists } = await pool.query<{ present: boolean }>(`SELECT to_regclass('roundtable_schema') IS NOT NULL AS present`)
  if (!exists[0].present) return 0
  const { rows } = await pool.query<{ version: number | null }>('SELECT max(version) AS version FROM roundtable_schema')
  return rows[0].version ?? 0
}
