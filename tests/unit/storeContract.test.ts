/** The storage contract (tests/support/storeContract.ts) for the SQLite stores. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import Database from 'better-sqlite3'
import { SqliteStorage } from '../../server/src/storage/sqlite/boards.ts'
import { SqliteSnapshotStorage } from '../../server/src/storage/sqlite/snapshots.ts'
import { SqliteBallotStore } from '../../server/src/storage/sqlite/ballots.ts'
import { ballotStoreContract, boardStorageContract, movedRow, snapshotStorageContract, type MovedRow } from '../support/storeContract.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-contract-'))
const closers: (() => void)[] = []
afterAll(() => {
  for (const close of closers) close()
  fs.rmSync(dir, { recursive: true, force: true })
})

function opened<T extends { close(): void }>(store: T): T {
  closers.push(() => store.close())
  return store
}

describe('SqliteStorage keeps the board storage contract', () => {
  boardStorageContract(async () => {
    const store = opened(new SqliteStorage(dir))
    const db = new Database(path.join(dir, 'roundtable.sqlite'))
    closers.push(() => db.close())
    return {
      store,
      corrupt(boardId, row) {
        if (row.table === 'board_state') db.prepare(`UPDATE board_state SET data = X'DEADBEEF' WHERE board_id = ?`).run(boardId)
        else db.prepare(`UPDATE board_updates SET data = X'DEADBEEF' WHERE board_id = ? AND seq = ?`).run(boardId, row.seq)
      },
      async movedAside(boardId) {
        return db
          .prepare<[string], MovedRow>(
            'SELECT source_table AS "table", source_seq AS seq, reason, data, state_vector, crc FROM corrupt_rows WHERE board_id = ? ORDER BY id',
          )
          .all(boardId)
          .map(movedRow)
      },
    }
  })
})

describe('SqliteSnapshotStorage keeps the snapshot storage contract', () => {
  snapshotStorageContract(async () => opened(new SqliteSnapshotStorage(dir)))
})

describe('SqliteBallotStore keeps the ballot store contract', () => {
  ballotStoreContract(async () => opened(new SqliteBallotStore(dir)))
})

describe('SqliteStorage on a database written by an older Roundtable', () => {
  it('adds the columns it lacks and keeps its rows: unchecked rows are trusted, and a new state keeps its state vector', () => {
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-old-'))
    closers.push(() => fs.rmSync(old, { recursive: true, force: true }))
    const doc = new Y.Doc()
    doc.getMap('m').set('a', 1)
    // The first release's tables: no checksums, no state vectors, no reasons.
    const db = new Database(path.join(old, 'roundtable.sqlite'))
    db.exec(`
      CREATE TABLE board_state (board_id TEXT PRIMARY KEY, data BLOB NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE board_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, board_id TEXT NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE corrupt_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, board_id TEXT NOT NULL, source_table TEXT NOT NULL,
        source_seq INTEGER, data BLOB NOT NULL, crc INTEGER, detected_at INTEGER NOT NULL);
    `)
    db.prepare('INSERT INTO board_state (board_id, data, updated_at) VALUES (?, ?, ?)').run('old-board', Y.encodeStateAsUpdate(doc), 1)
    db.close()

    const store = opened(new SqliteStorage(old))
    const loaded = store.load('old-board')
    expect(loaded.corrupt).toEqual([])
    expect(loaded.stateVector).toBeUndefined()
    const replayed = new Y.Doc()
    Y.applyUpdate(replayed, loaded.state!)
    expect(replayed.getMap('m').toJSON()).toEqual({ a: 1 })

    doc.getMap('m').set('b', 2)
    store.compact('old-board', Y.encodeStateAsUpdate(doc), Y.encodeStateVector(doc))
    const compacted = store.load('old-board')
    expect(compacted.corrupt).toEqual([])
    expect(Array.from(compacted.stateVector!)).toEqual(Array.from(Y.encodeStateVector(doc)))
  })
})
