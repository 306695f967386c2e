import type pg from 'pg'
import { FencedError, type BoardStorage, type CorruptRow, type RowRef, type StoredBoard } from '../boards.ts'
import { checksum } from '../checksum.ts'
import type { MaybeAsync } from '../maybeAsync.ts'
import type { Fence } from '../../cluster/ownership.ts'
import { transaction } from './transaction.ts'
import { checkFence } from './fence.ts'

/** Byte arrays as node-postgres sends them (a Buffer over the same memory, no copy). */
export function bytes(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

type Row = { seq: string | null; data: Buffer; crc: string | null; state_vector: Buffer | null }

const verifies = (row: Row) => row.crc === null || checksum(row.data, row.state_vector) === Number(row.crc)

/**
 * Boards in PostgreSQL: the same rows as SQLite (a compacted state plus a log, each row with its
 * CRC-32), and the same rules. Every method answers with a Promise. The pool belongs to the
 * caller: close() does not end it.
 *
 * With a fence (several processes on one database), every write checks in its own statement or
 * transaction that this process still owns the board under the epoch it took it with, and
 * throws FencedError when not. The owner row is locked FOR SHARE meanwhile, so a takeover waits
 * for a write in flight and a write waits for a takeover in flight: none lands after a takeover.
 */
export class PostgresBoardStorage implements MaybeAsync<BoardStorage> {
  /** The last write's failure, until a write succeeds again. */
  private writeFailure: { at: number; code: string | undefined } | undefined
  /**
   * The newest log row this process has seen per board (loaded or appended). compact() deletes
   * only up to it, so an update another process appended meanwhile stays in the log rather
   * than being deleted without being in the compacted state.
   */
  private newestSeen = new Map<string, number>()

  constructor(
    private pool: pg.Pool,
    private fence?: Fence,
  ) {}

  /**
   * Loads what verifies, state and log read in one statement (one snapshot of the database). A
   * row whose checksum does not match is moved to `corrupt_rows` and reported in `corrupt`.
   */
  async load(boardId: string): Promise<StoredBoard> {
    const { rows } = await this.pool.query<Row>({
      name: 'rt_load_board',
      text: `SELECT NULL::bigint AS seq, data, crc, state_vector FROM board_state WHERE board_id = $1
             UNION ALL
             SELECT seq, data, crc, NULL FROM board_updates WHERE board_id = $1
             ORDER BY seq NULLS FIRST`,
      values: [boardId],
    })
    let state: Uint8Array | undefined
    let stateVector: Uint8Array | undefined
    const updates: Uint8Array[] = []
    const updateSeqs: number[] = []
    const bad: { table: CorruptRow['table']; row: Row }[] = []
    for (const row of rows) {
      const table = row.seq === null ? 'board_state' : 'board_updates'
      if (row.seq !== null) this.saw(boardId, Number(row.seq))
      if (!verifies(row)) bad.push({ table, row })
      else if (row.seq === null) {
        state = row.data
        stateVector = row.state_vector ?? undefined
      } else {
        updates.push(row.data)
        updateSeqs.push(Number(row.seq))
      }
    }
    // Only the owner moves rows (a process reading a board it does not own leaves that to it).
    if (bad.length > 0 && (!this.fence || this.fence.epochOf(boardId) !== undefined)) {
      await this.write(() => this.quarantine(boardId, bad, 'checksum'))
    }
    const corrupt = bad.map(({ table, row }) => ({ table, seq: row.seq === null ? null : Number(row.seq), bytes: row.data.length }))
    return { state, stateVector, updates, updateSeqs, corrupt }
  }

  async moveAside(boardId: string, refs: RowRef[], reason: string): Promise<void> {
    if (refs.length === 0) return
    const seqs = refs.filter((r) => r.table === 'board_updates' && r.seq !== null).map((r) => String(r.seq))
    const { rows } = await this.pool.query<Row>(
      `SELECT NULL::bigint AS seq, data, crc, state_vector FROM board_state WHERE board_id = $1 AND $2::boolean
       UNION ALL
       SELECT seq, data, crc, NULL FROM board_updates WHERE board_id = $1 AND seq = ANY($3::bigint[])`,
      [boardId, refs.some((r) => r.table === 'board_state'), seqs],
    )
    const found = rows.map((row) => ({ table: row.seq === null ? ('board_state' as const) : ('board_updates' as const), row }))
    if (found.length > 0) await this.write(() => this.quarantine(boardId, found, reason))
  }

  /**
   * Moves rows to corrupt_rows in one transaction. Each row moves only if it is still the one
   * that was read (the state may have been replaced by a compaction meanwhile; then it stays).
   */
  private async quarantine(boardId: string, rows: { table: CorruptRow['table']; row: Row }[], reason: string): Promise<void> {
    await transaction(this.pool, async (client) => {
      await checkFence(client, this.fence, boardId)
      for (const { table, row } of rows) {
        if (table === 'board_state') {
          await client.query(
            `WITH moved AS (
               DELETE FROM board_state WHERE board_id = $1 AND data = $2 AND crc IS NOT DISTINCT FROM $3
               RETURNING data, state_vector, crc
             )
             INSERT INTO corrupt_rows (board_id, source_table, source_seq, data, state_vector, crc, reason)
             SELECT $1, 'board_state', NULL, data, state_vector, crc, $4 FROM moved`,
            [boardId, row.data, row.crc, reason],
          )
        } else {
          await client.query(
            `WITH moved AS (DELETE FROM board_updates WHERE board_id = $1 AND seq = $2 RETURNING seq, data, crc)
             INSERT INTO corrupt_rows (board_id, source_table, source_seq, data, crc, reason)
             SELECT $1, 'board_updates', seq, data, crc, $3 FROM moved`,
            [boardId, row.seq, reason],
          )
        }
      }
    })
  }

  async appendUpdate(boardId: string, update: Uint8Array): Promise<void> {
    const epoch = this.fence?.epochOf(boardId)
    if (this.fence && epoch === undefined) throw new FencedError(boardId)
    const { rows } = await this.write(() =>
      this.fence
        ? // One statement: the owner row is locked while the update is inserted, or nothing is inserted.
          this.pool.query<{ seq: string }>({
            name: 'rt_append_update_fenced',
            text: `WITH owner AS (SELECT 1 FROM board_owners WHERE board_id = $1 AND owner_id = $4 AND epoch = $5 FOR SHARE)
                   INSERT INTO board_updates (board_id, data, crc, epoch) SELECT $1, $2, $3, $5 FROM owner RETURNING seq`,
            values: [boardId, bytes(update), checksum(update), this.fence.ownerId, epoch],
          })
        : this.pool.query<{ seq: string }>({
            name: 'rt_append_update',
            text: 'INSERT INTO board_updates (board_id, data, crc) VALUES ($1, $2, $3) RETURNING seq',
            values: [boardId, bytes(update), checksum(update)],
          }),
    )
    if (rows.length === 0) throw new FencedError(boardId)
    this.saw(boardId, Number(rows[0].seq))
  }

  /** Replaces the board's state and deletes the log it includes, in one transaction. */
  async compact(boardId: string, state: Uint8Array, stateVector?: Uint8Array): Promise<void> {
    const upTo = this.newestSeen.get(boardId)
    await this.write(() =>
      transaction(this.pool, async (client) => {
        await checkFence(client, this.fence, boardId)
        await client.query(
          `INSERT INTO board_state (board_id, data, state_vector, crc, updated_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, state_vector = excluded.state_vector, crc = excluded.crc,
             updated_at = excluded.updated_at`,
          [boardId, bytes(state), stateVector ? bytes(stateVector) : null, checksum(state, stateVector)],
        )
        if (upTo === undefined) await client.query('DELETE FROM board_updates WHERE board_id = $1', [boardId])
        else await client.query('DELETE FROM board_updates WHERE board_id = $1 AND seq <= $2', [boardId, upTo])
      }),
    )
  }

  async saveViewToken(token: string, boardId: string): Promise<void> {
    await this.write(() =>
      this.pool.query('INSERT INTO view_tokens (token, board_id) VALUES ($1, $2) ON CONFLICT (token) DO NOTHING', [token, boardId]),
    )
  }

  async boardForViewToken(token: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ board_id: string }>('SELECT board_id FROM view_tokens WHERE token = $1', [token])
    return rows[0]?.board_id
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1')
      return true
    } catch {
      return false
    }
  }

  writesFailing(): boolean {
    return this.writeFailure !== undefined
  }

  async probeWrite(): Promise<void> {
    await this.write(() =>
      this.pool.query('INSERT INTO write_probe (id, at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = excluded.at'),
    )
  }

  /** The pool is the caller's; nothing to release here. */
  close(): void {
    this.newestSeen.clear()
  }

  private saw(boardId: string, seq: number): void {
    if (seq > (this.newestSeen.get(boardId) ?? 0)) this.newestSeen.set(boardId, seq)
  }

  /** Every write goes through here, so readiness knows whether writes work. */
  private async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn()
      this.writeFailure = undefined
      return result
    } catch (err) {
      // Refused by the fence, the database worked: not a failure readiness should report.
      if (!(err instanceof FencedError)) this.writeFailure = { at: Date.now(), code: (err as { code?: string }).code }
      throw err
    }
  }
}
