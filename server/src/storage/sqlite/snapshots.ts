import type Database from 'better-sqlite3'
import { snapshotInfo, type Snapshot, type SnapshotInfo, type SnapshotKind, type SnapshotRow, type SnapshotStorage } from '../snapshots.ts'
import { openDatabase } from './open.ts'

type Row = SnapshotRow & { created_at: number }

/** Snapshots in their own table of the board database (own connection; WAL allows both). */
export class SqliteSnapshotStorage implements SnapshotStorage {
  private db: Database.Database
  private stmts

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'roundtable.sqlite')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS board_snapshots (
        id TEXT PRIMARY KEY,
        board_id TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_by TEXT,
        created_at INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS board_snapshots_by_board ON board_snapshots (board_id, created_at);
    `)
    // Earlier versions saved these as automatic ones, which pruning would drop.
    this.db.exec(`UPDATE board_snapshots SET kind = 'before-restore' WHERE kind = 'auto' AND name LIKE 'Before restoring %'`)
    const columns = 'id, board_id, name, kind, created_by, created_at, bytes'
    this.stmts = {
      insert: this.db.prepare<[string, string, string, string, string | null, number, number, Uint8Array]>(
        'INSERT INTO board_snapshots (id, board_id, name, kind, created_by, created_at, bytes, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      list: this.db.prepare<[string, number], Row>(
        `SELECT ${columns} FROM board_snapshots WHERE board_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      ),
      position: this.db.prepare<[string, string], { created_at: number; rowid: number }>(
        'SELECT created_at, rowid FROM board_snapshots WHERE board_id = ? AND id = ?',
      ),
      listBefore: this.db.prepare<[string, number, number, number], Row>(
        `SELECT ${columns} FROM board_snapshots WHERE board_id = ? AND (created_at, rowid) < (?, ?) ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      ),
      countKept: this.db.prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM board_snapshots WHERE board_id = ? AND kind != 'auto'`,
      ),
      get: this.db.prepare<[string, string], Row & { data: Buffer }>(
        `SELECT ${columns}, data FROM board_snapshots WHERE board_id = ? AND id = ?`,
      ),
      pruneAutomatic: this.db.prepare<[string, string, number]>(
        `DELETE FROM board_snapshots WHERE board_id = ? AND kind = 'auto' AND id NOT IN
           (SELECT id FROM board_snapshots WHERE board_id = ? AND kind = 'auto' ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      ),
    }
  }

  add(boardId: string, input: { name: string; kind: SnapshotKind; createdBy?: string; state: Uint8Array }): SnapshotInfo {
    const row: Row = {
      id: Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join(''),
      board_id: boardId,
      name: input.name,
      kind: input.kind,
      created_by: input.createdBy ?? null,
      created_at: Date.now(),
      bytes: input.state.byteLength,
    }
    this.stmts.insert.run(row.id, boardId, row.name, row.kind, row.created_by, row.created_at, row.bytes, input.state)
    return snapshotInfo(row)
  }

  list(boardId: string, page: { limit: number; before?: string } = { limit: -1 }): SnapshotInfo[] | undefined {
    if (!page.before) return this.stmts.list.all(boardId, page.limit).map(snapshotInfo)
    const after = this.stmts.position.get(boardId, page.before)
    return after && this.stmts.listBefore.all(boardId, after.created_at, after.rowid, page.limit).map(snapshotInfo)
  }

  countKept(boardId: string): number {
    return this.stmts.countKept.get(boardId)!.n
  }

  get(boardId: string, snapshotId: string): Snapshot | undefined {
    const row = this.stmts.get.get(boardId, snapshotId)
    return row ? { ...snapshotInfo(row), state: new Uint8Array(row.data) } : undefined
  }

  pruneAutomatic(boardId: string, keep: number): void {
    this.stmts.pruneAutomatic.run(boardId, boardId, keep)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
