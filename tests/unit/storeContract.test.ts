/** The storage contract (tests/support/storeContract.ts) for the SQLite stores. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe } from 'vitest'
import Database from 'better-sqlite3'
import { SqliteStorage } from '../../server/src/storage/sqlite/boards.ts'
import { SqliteSnapshotStorage } from '../../server/src/storage/sqlite/snapshots.ts'
import { SqliteBallotStore } from '../../server/src/storage/sqlite/ballots.ts'
import { ballotStoreContract, boardStorageContract, snapshotStorageContract } from '../support/storeContract.ts'

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
          .prepare<[string], { table: string; seq: number | null; reason: string | null }>(
            'SELECT source_table AS "table", source_seq AS seq, reason FROM corrupt_rows WHERE board_id = ? ORDER BY id',
          )
          .all(boardId)
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
