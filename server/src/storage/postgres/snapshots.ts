import crypto from 'node:crypto'
import type pg from 'pg'
import { snapshotInfo, type Snapshot, type SnapshotInfo, type SnapshotKind, type SnapshotRow, type SnapshotStorage } from '../snapshots.ts'
import type { MaybeAsync } from '../maybeAsync.ts'
import { bytes } from './boards.ts'

type Row = SnapshotRow & { created_at: string }

const COLUMNS = 'id, board_id, name, kind, created_by, created_at, bytes'

/** LIMIT for a page: a negative limit (what list() without a page means) is no limit. */
const limitOf = (limit: number) => (limit < 0 ? null : limit)

/**
 * Snapshots in PostgreSQL, with the same rules as SQLite's. Creation times come from the
 * database's clock, so snapshots taken by different processes order consistently. The pool is
 * the caller's: close() does not end it.
 */
export class PostgresSnapshotStorage implements MaybeAsync<SnapshotStorage> {
  constructor(private pool: pg.Pool) {}

  async add(boardId: string, input: { name: string; kind: SnapshotKind; createdBy?: string; state: Uint8Array }): Promise<SnapshotInfo> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO board_snapshots (id, board_id, name, kind, created_by, created_at, bytes, data)
       VALUES ($1, $2, $3, $4, $5, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, $6, $7)
       RETURNING ${COLUMNS}`,
      [
        crypto.randomBytes(8).toString('hex'),
        boardId,
        input.name,
        input.kind,
        input.createdBy ?? null,
        input.state.byteLength,
        bytes(input.state),
      ],
    )
    return snapshotInfo(rows[0])
  }

  async list(boardId: string, page: { limit: number; before?: string } = { limit: -1 }): Promise<SnapshotInfo[] | undefined> {
    if (!page.before) {
      const { rows } = await this.pool.query<Row>(
        `SELECT ${COLUMNS} FROM board_snapshots WHERE board_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2`,
        [boardId, limitOf(page.limit)],
      )
      return rows.map(snapshotInfo)
    }
    const { rows: cursor } = await this.pool.query<{ created_at: string; seq: string }>(
      'SELECT created_at, seq FROM board_snapshots WHERE board_id = $1 AND id = $2',
      [boardId, page.before],
    )
    if (cursor.length === 0) return undefined
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM board_snapshots WHERE board_id = $1 AND (created_at, seq) < ($2::bigint, $3::bigint)
       ORDER BY created_at DESC, seq DESC LIMIT $4`,
      [boardId, cursor[0].created_at, cursor[0].seq, limitOf(page.limit)],
    )
    return rows.map(snapshotInfo)
  }

  async countKept(boardId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM board_snapshots WHERE board_id = $1 AND kind <> 'auto'`,
      [boardId],
    )
    return rows[0].n
  }

  async get(boardId: string, snapshotId: string): Promise<Snapshot | undefined> {
    const { rows } = await this.pool.query<Row & { data: Buffer }>(
      `SELECT ${COLUMNS}, data FROM board_snapshots WHERE board_id = $1 AND id = $2`,
      [boardId, snapshotId],
    )
    return rows[0] ? { ...snapshotInfo(rows[0]), state: new Uint8Array(rows[0].data) } : undefined
  }

  async pruneAutomatic(boardId: string, keep: number): Promise<void> {
    await this.pool.query(
      `DELETE FROM board_snapshots WHERE board_id = $1 AND kind = 'auto' AND id NOT IN
         (SELECT id FROM board_snapshots WHERE board_id = $1 AND kind = 'auto' ORDER BY created_at DESC, seq DESC LIMIT $2)`,
      [boardId, Math.max(0, keep)],
    )
  }

  /** The pool is the caller's; nothing to release here. */
  close(): void {}
}
