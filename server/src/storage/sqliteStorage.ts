import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import Database from 'better-sqlite3'
import type { BoardStorage, CorruptRow, RowRef, StoredBoard } from './storage.ts'

/** Checksum stored beside every blob, so a torn or bit-rotted row is detected on load. */
export function checksum(data: Uint8Array): number {
  return zlib.crc32(data)
}

type Row = { seq?: number; data: Buffer; crc: number | null }

/**
 * SQLite in WAL mode under DATA_DIR. synchronous=NORMAL makes each committed append survive a
 * killed process (the WAL is written before the call returns); power loss may lose the last
 * moments, which FULL would prevent at a large cost per write.
 */
export class SqliteStorage implements BoardStorage {
  private db: Database.Database
  private stmts: {
    loadState: Database.Statement<[string], Row>
    loadUpdates: Database.Statement<[string], Row>
    append: Database.Statement<[string, Uint8Array, number, number]>
    upsertState: Database.Statement<[string, Uint8Array, number, number]>
    clearUpdates: Database.Statement<[string]>
    saveViewToken: Database.Statement<[string, string, number]>
    boardForViewToken: Database.Statement<[string], { board_id: string }>
    probe: Database.Statement<[number]>
  }
  /** The last write's failure, until a write succeeds again. */
  private writeFailure: { at: number; code: string | undefined } | undefined
  private compactTx: (boardId: string, state: Uint8Array) => void
  private quarantineTx: (boardId: string, rows: { table: CorruptRow['table']; row: Row }[], reason: string) => void
  private rowStmts: { state: Database.Statement<[string], Row>; update: Database.Statement<[string, number], Row> }

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true })
    try {
      fs.accessSync(dataDir, fs.constants.W_OK)
    } catch (err) {
      // SQLite would only say "unable to open database file"; say what is wrong.
      throw new Error(`DATA_DIR ${dataDir} is not writable (${(err as NodeJS.ErrnoException).code}): Roundtable stores boards there`, {
        cause: err,
      })
    }
    this.db = new Database(path.join(dataDir, 'roundtable.sqlite'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    // This server is the only writer. When another process holds the lock anyway (a backup, a
    // script), each write waits this long on the event loop, freezing every board: fail fast
    // and let the room refuse writes and retry instead.
    this.db.pragma('busy_timeout = 200')
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
    // Databases written before checksums: add the column; their old rows (crc NULL) are trusted.
    for (const table of ['board_state', 'board_updates']) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]
      if (!columns.some((c) => c.name === 'crc')) this.db.exec(`ALTER TABLE ${table} ADD COLUMN crc INTEGER`)
    }
    // Why a row was moved aside ('checksum' or 'undecodable'); older rows say nothing.
    const corruptColumns = this.db.prepare('PRAGMA table_info(corrupt_rows)').all() as { name: string }[]
    if (!corruptColumns.some((c) => c.name === 'reason')) this.db.exec('ALTER TABLE corrupt_rows ADD COLUMN reason TEXT')
    this.stmts = {
      loadState: this.db.prepare('SELECT data, crc FROM board_state WHERE board_id = ?'),
      loadUpdates: this.db.prepare('SELECT seq, data, crc FROM board_updates WHERE board_id = ? ORDER BY seq'),
      append: this.db.prepare('INSERT INTO board_updates (board_id, data, crc, created_at) VALUES (?, ?, ?, ?)'),
      upsertState: this.db.prepare(
        `INSERT INTO board_state (board_id, data, crc, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, crc = excluded.crc, updated_at = excluded.updated_at`,
      ),
      clearUpdates: this.db.prepare('DELETE FROM board_updates WHERE board_id = ?'),
      saveViewToken: this.db.prepare('INSERT OR IGNORE INTO view_tokens (token, board_id, created_at) VALUES (?, ?, ?)'),
      boardForViewToken: this.db.prepare('SELECT board_id FROM view_tokens WHERE token = ?'),
      probe: this.db.prepare('INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at'),
    }
    this.compactTx = this.db.transaction((boardId: string, state: Uint8Array) => {
      this.stmts.upsertState.run(boardId, state, checksum(state), Date.now())
      this.stmts.clearUpdates.run(boardId)
    })
    const keep = this.db.prepare(
      'INSERT INTO corrupt_rows (board_id, source_table, source_seq, data, crc, detected_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    const dropState = this.db.prepare('DELETE FROM board_state WHERE board_id = ?')
    const dropUpdate = this.db.prepare('DELETE FROM board_updates WHERE seq = ?')
    this.rowStmts = {
      state: this.db.prepare('SELECT data, crc FROM board_state WHERE board_id = ?'),
      update: this.db.prepare('SELECT seq, data, crc FROM board_updates WHERE board_id = ? AND seq = ?'),
    }
    this.quarantineTx = this.db.transaction((boardId, rows, reason) => {
      for (const { table, row } of rows) {
        keep.run(boardId, table, row.seq ?? null, row.data, row.crc, Date.now(), reason)
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
    const verifies = (row: Row) => row.crc === null || checksum(row.data) === row.crc
    let state: Uint8Array | undefined
    const stateRow = this.stmts.loadState.get(boardId)
    if (stateRow) {
      if (verifies(stateRow)) state = stateRow.data
      else bad.push({ table: 'board_state', row: stateRow })
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
    return { state, updates, updateSeqs, corrupt }
  }

  moveAside(boardId: string, refs: RowRef[], reason: string): void {
    const rows: { table: CorruptRow['table']; row: Row }[] = []
    for (const ref of refs) {
      const row = ref.table === 'board_state' ? this.rowStmts.state.get(boardId) : this.rowStmts.update.get(boardId, ref.seq!)
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

  compact(boardId: string, state: Uint8Array): void {
    this.write(() => this.compactTx(boardId, state))
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
      this.db.prepare('SELECT 1').get()
      return true
    } catch {
      return false
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
