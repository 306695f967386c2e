import type Database from 'better-sqlite3'
import type { Dots } from '@roundtable/shared'
import type { BallotStore, StoredVote } from '../ballots.ts'
import { openDatabase } from './open.ts'

/** SQLite (WAL) in its own file under DATA_DIR, so ballots never share a table with board updates. */
export class SqliteBallotStore implements BallotStore {
  private db: Database.Database
  private stmts

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, 'ballots.sqlite')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS votes (
        board_id TEXT NOT NULL,
        vote_id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (board_id, vote_id)
      );
      CREATE TABLE IF NOT EXISTS ballots (
        board_id TEXT NOT NULL,
        vote_id TEXT NOT NULL,
        -- A ballot key (ballotKey()); before those, the voter's participant id.
        participant_id TEXT NOT NULL,
        dots TEXT NOT NULL,
        PRIMARY KEY (board_id, vote_id, participant_id)
      );
    `)
    this.stmts = {
      createVote: this.db.prepare<[string, string, string]>('INSERT INTO votes (board_id, vote_id, data) VALUES (?, ?, ?)'),
      getVote: this.db.prepare<[string, string], { data: string }>('SELECT data FROM votes WHERE board_id = ? AND vote_id = ?'),
      updateVote: this.db.prepare<[string, string, string]>('UPDATE votes SET data = ? WHERE board_id = ? AND vote_id = ?'),
      deleteBallot: this.db.prepare<[string, string, string]>(
        'DELETE FROM ballots WHERE board_id = ? AND vote_id = ? AND participant_id = ?',
      ),
      putBallot: this.db.prepare<[string, string, string, string]>(
        `INSERT INTO ballots (board_id, vote_id, participant_id, dots) VALUES (?, ?, ?, ?)
         ON CONFLICT (board_id, vote_id, participant_id) DO UPDATE SET dots = excluded.dots`,
      ),
      getBallot: this.db.prepare<[string, string, string], { dots: string }>(
        'SELECT dots FROM ballots WHERE board_id = ? AND vote_id = ? AND participant_id = ?',
      ),
      ballots: this.db.prepare<[string, string], { dots: string }>('SELECT dots FROM ballots WHERE board_id = ? AND vote_id = ?'),
      forgetLegacyBallots: this.db.prepare<[string]>(
        `DELETE FROM ballots WHERE board_id = ? AND length(participant_id) <> 64 AND EXISTS (
           SELECT 1 FROM votes v WHERE v.board_id = ballots.board_id AND v.vote_id = ballots.vote_id
           AND json_extract(v.data, '$.status') = 'closed')`,
      ),
      voteIds: this.db.prepare<[string], { vote_id: string }>('SELECT vote_id FROM votes WHERE board_id = ?'),
    }
  }

  createVote(boardId: string, vote: StoredVote): void {
    this.stmts.createVote.run(boardId, vote.id, JSON.stringify(vote))
  }

  getVote(boardId: string, voteId: string): StoredVote | undefined {
    const row = this.stmts.getVote.get(boardId, voteId)
    return row ? (JSON.parse(row.data) as StoredVote) : undefined
  }

  closeVote(boardId: string, voteId: string, closedAt: number, totals: Dots): void {
    const vote = this.getVote(boardId, voteId)
    if (!vote) return
    const closed: StoredVote = { ...vote, status: 'closed', closedAt, totals }
    this.stmts.updateVote.run(JSON.stringify(closed), boardId, voteId)
  }

  putBallot(boardId: string, voteId: string, key: string, dots: Dots): void {
    if (Object.keys(dots).length === 0) this.stmts.deleteBallot.run(boardId, voteId, key)
    else this.stmts.putBallot.run(boardId, voteId, key, JSON.stringify(dots))
  }

  getBallot(boardId: string, voteId: string, key: string): Dots {
    const row = this.stmts.getBallot.get(boardId, voteId, key)
    return row ? (JSON.parse(row.dots) as Dots) : {}
  }

  forgetLegacyBallots(boardId: string): void {
    this.stmts.forgetLegacyBallots.run(boardId)
  }

  voteIds(boardId: string): string[] {
    return this.stmts.voteIds.all(boardId).map((row) => row.vote_id)
  }

  ballots(boardId: string, voteId: string): Dots[] {
    return this.stmts.ballots.all(boardId, voteId).map((row) => JSON.parse(row.dots) as Dots)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
