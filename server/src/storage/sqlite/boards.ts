import type Database from 'better-sqlite3'
import type { BoardStorage, CorruptRow, RowRef, StoredBoard } from '../boards.ts'
import { checksum } from '../checksum.ts'
import { openDatabase } from './open.ts'

/** A stored row; `crc` (see checksum.ts) detects a torn or bit-rotted row on load. */
type Row = { seq?: number; data: Buffer; crc: number | null; state_vector?: Buffer | null }

/** Boards in roundtable.sqlite under DATA_DIR (see openDatabase for the durability settings). */
export class SqliteStorage implements BoardStorage {
  private db: Database.Database
  private stmts: {
    loadState: Database.Statement<[string], Row>
    loadUpdates: Database.Statement<[string], Row>
    loadUpdate: Database.Statement<[string, number], Row>
    append: Database.Statement<[string, Uint8Array, number, number]>
    upsertState: Database.Statement<[string, Uint8Array, Uint8Array | null, number, number]>
    clearUpdates: Database.Statement<[string]>
    saveViewToken: Database.Statement<[string, string, number]>
    boardForViewToken: Database.Statement<[string], { board_id: string }>
    probe: Database.Statement<[number]>
    ping: Database.Statement<[], unknown>
  }
  /** The last write's failure, until a write succeeds again. */
  private writeFailure: { at: number; code: string | undefined } | undefined
  private compactTx: (boardId: string, state: Uint8Array, stateVector: Uint8Array | undefined) => void
  private quarantineTx: (boardId: string, rows: { table: CorruptRow['table']; row: Row }[], reason: string) => void

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'roundtable.sqlite')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS board_state (
        board_id TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS board_updates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        board_id TEXT NOT NULL,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS board_updates_by_board ON board_updates (board_id, seq);
      CREATE TABLE IF NOT EXISTS view_tokens (
        token TEXT PRIMARY KEY,
        board_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS write_probe (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS corrupt_rows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        board_id TEXT NOT NULL,
        source_table TEXT NOT NULL,
        source_seq INTEGER,
        data BLOB NOT NULL,
        crc INTEGER,
        detected_at INTEGER NOT NULL
      );
    `)
    // Columns added since the first release, for databases written before them: checksums (old
    // rows, crc NULL, are trusted), a state's state vector (NULL: unknown), and why a row was
    // moved aside (older rows say nothing) with the state vector its checksum covers.
    const added: [table: string, column: string, type: string][] = [
      ['board_state', 'crc', 'INTEGER'],
      ['board_updates', 'crc', 'INTEGER'],
      ['board_state', 'state_vector', 'BLOB'],
      ['corrupt_rows', 'reason', 'TEXT'],
      ['corrupt_rows', 'state_vector', 'BLOB'],
    ]
    for (const [table, column, type] of added) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]
      if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`)
    }
    this.stmts = {
      loadState: this.db.prepare('SELECT data, crc, state_vector FROM board_state WHERE board_id = ?'),
      loadUpdates: this.db.prepare('SELECT seq, data, crc FROM board_updates WHERE board_id = ? ORDER BY seq'),
      loadUpdate: this.db.prepare('SELECT seq, data, crc FROM board_updates WHERE board_id = ? AND seq = ?'),
      append: this.db.prepare('INSERT INTO board_updates (board_id, data, crc, created_at) VALUES (?, ?, ?, ?)'),
      upsertState: this.db.prepare(
        `INSERT INTO board_state (board_id, data, state_vector, crc, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, state_vector = excluded.state_vector, crc = excluded.crc,
           updated_at = excluded.updated_at`,
      ),
      clearUpdates: this.db.prepare('DELETE FROM board_updates WHERE board_id = ?'),
      saveViewToken: this.db.prepare('INSERT OR IGNORE INTO view_tokens (token, board_id, created_at) VALUES (?, ?, ?)'),
      boardForViewToken: this.db.prepare('SELECT board_id FROM view_tokens WHERE token = ?'),
      probe: this.db.prepare('INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at'),
      ping: this.db.prepare('SELECT 1'),
    }
    this.compactTx = this.db.transaction((boardId: string, state: Uint8Array, stateVector: Uint8Array | undefined) => {
      this.stmts.upsertState.run(boardId, state, stateVector ?? null, checksum(state, stateVector), Date.now())
      this.stmts.clearUpdates.run(boardId)
    })
    const keep = this.db.prepare(
      'INSERT INTO corrupt_rows (board_id, source_table, source_seq, data, state_vector, crc, detected_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const dropState = this.db.prepare('DELETE FROM board_state WHERE board_id = ?')
    const dropUpdate = this.db.prepare('DELETE FROM board_updates WHERE seq = ?')
    this.quarantineTx = this.db.transaction((boardId, rows, reason) => {
      for (const { table, row } of rows) {
        keep.run(boardId, table, row.seq ?? null, row.data, row.state_vector ?? null, row.crc, Date.now(), reason)
        if (table === 'board_state') dropState.run(boardId)
        else dropUpdate.run(row.seq!)
      }
    })
  }

  /**
   * Loads what verifies. A row whose checksum does not match is moved to `corrupt_rows` (so a
   * later compaction cannot erase the evidence) and reported in `corrupt`.
   */
  load(boardId: string): StoredBoard {
    const bad: { table: CorruptRow['table']; row: Row }[] = []
    const verifies = (row: Row) => row.crc === null || checksum(row.data, row.state_vector) === row.crc
    let state: Uint8Array | undefined
    let stateVector: Uint8Array | undefined
    const stateRow = this.stmts.loadState.get(boardId)
    if (stateRow) {
      if (verifies(stateRow)) {
        state = stateRow.data
        stateVector = stateRow.state_vector ?? undefined
      } else bad.push({ table: 'board_state', row: stateRow })
    }
    const updates: Uint8Array[] = []
    const updateSeqs: number[] = []
    for (const row of this.stmts.loadUpdates.all(boardId)) {
      if (verifies(row)) {
        updates.push(row.data)
        updateSeqs.push(row.seq!)
      } else bad.push({ table: 'board_updates', row })
    }
    if (bad.length > 0) this.write(() => this.quarantineTx(boardId, bad, 'checksum'))
    const corrupt = bad.map(({ table, row }) => ({ table, seq: row.seq ?? null, bytes: row.data.length }))
    return { state, stateVector, updates, updateSeqs, corrupt }
  }

  moveAside(boardId: string, refs: RowRef[], reason: string): void {
    const rows: { table: CorruptRow['table']; row: Row }[] = []
    for (const ref of refs) {
      const row = ref.table === 'board_state' ? this.stmts.loadState.get(boardId) : this.stmts.loadUpdate.get(boardId, ref.seq!)
      if (row) rows.push({ table: ref.table, row })
    }
    if (rows.length > 0) this.write(() => this.quarantineTx(boardId, rows, reason))
  }

  /** Every write goes through here, so readiness knows whether writes work. */
  protected write<T>(fn: () => T): T {
    try {
      const result = fn()
      this.writeFailure = undefined
      return result
    } catch (err) {
      this.writeFailure = { at: Date.now(), code: (err as { code?: string }).code }
      throw err
    }
  }

  appendUpdate(boardId: string, update: Uint8Array): void {
    this.write(() => this.stmts.append.run(boardId, update, checksum(update), Date.now()))
  }

  compact(boardId: string, state: Uint8Array, stateVector?: Uint8Array): void {
    this.write(() => this.compactTx(boardId, state, stateVector))
  }

  saveViewToken(token: string, boardId: string): void {
    this.write(() => this.stmts.saveViewToken.run(token, boardId, Date.now()))
  }

  writesFailing(): boolean {
    return this.writeFailure !== undefined
  }

  probeWrite(): void {
    this.write(() => this.stmts.probe.run(Date.now()))
  }

  boardForViewToken(token: string): string | undefined {
    return this.stmts.boardForViewToken.get(token)?.board_id
  }

  isReachable(): boolean {
    try {
      this.stmts.ping.get()
      return true
    } catch {
      return false
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
