import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { BoardStorage, StoredBoard } from './storage.ts'

/**
 * SQLite in WAL mode under DATA_DIR. synchronous=NORMAL makes each committed append survive a
 * killed process (the WAL is written before the call returns); power loss may lose the last
 * moments, which FULL would prevent at a large cost per write.
 */
export class SqliteStorage implements BoardStorage {
  private db: Database.Database
  private stmts: {
    loadState: Database.Statement<[string], { data: Buffer }>
    loadUpdates: Database.Statement<[string], { data: Buffer }>
    append: Database.Statement<[string, Uint8Array, number]>
    upsertState: Database.Statement<[string, Uint8Array, number]>
    clearUpdates: Database.Statement<[string]>
  }
  private compactTx: (boardId: string, state: Uint8Array) => void

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true })
    this.db = new Database(path.join(dataDir, 'roundtable.sqlite'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('busy_timeout = 5000')
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
    `)
    this.stmts = {
      loadState: this.db.prepare('SELECT data FROM board_state WHERE board_id = ?'),
      loadUpdates: this.db.prepare('SELECT data FROM board_updates WHERE board_id = ? ORDER BY seq'),
      append: this.db.prepare('INSERT INTO board_updates (board_id, data, created_at) VALUES (?, ?, ?)'),
      upsertState: this.db.prepare(
        `INSERT INTO board_state (board_id, data, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      ),
      clearUpdates: this.db.prepare('DELETE FROM board_updates WHERE board_id = ?'),
    }
    this.compactTx = this.db.transaction((boardId: string, state: Uint8Array) => {
      this.stmts.upsertState.run(boardId, state, Date.now())
      this.stmts.clearUpdates.run(boardId)
    })
  }

  load(boardId: string): StoredBoard {
    const state = this.stmts.loadState.get(boardId)?.data
    const updates = this.stmts.loadUpdates.all(boardId).map((row) => row.data)
    return { state, updates }
  }

  appendUpdate(boardId: string, update: Uint8Array): void {
    this.stmts.append.run(boardId, update, Date.now())
  }

  compact(boardId: string, state: Uint8Array): void {
    this.compactTx(boardId, state)
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
