import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Dots, VoteState } from '@roundtable/shared'

/** A vote as the server keeps it: the authority, whatever the (writable-by-anyone) doc says. */
export type StoredVote = Omit<VoteState, 'voterCount' | 'totals'> & { totals?: Dots }

/** Secret ballots. They live here only: they never enter a board's doc. */
export interface BallotStore {
  createVote(boardId: string, vote: StoredVote): void
  getVote(boardId: string, voteId: string): StoredVote | undefined
  closeVote(boardId: string, voteId: string, closedAt: number, totals: Dots): void
  /** Replace a participant's whole ballot (an empty one removes it). */
  putBallot(boardId: string, voteId: string, participantId: string, dots: Dots): void
  getBallot(boardId: string, voteId: string, participantId: string): Dots
  ballots(boardId: string, voteId: string): Dots[]
  close(): void
}

/** SQLite (WAL) in its own file under DATA_DIR, so ballots never share a table with board updates. */
export class SqliteBallotStore implements BallotStore {
  private db: Database.Database

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true })
    this.db = new Database(path.join(dataDir, 'ballots.sqlite'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
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
        participant_id TEXT NOT NULL,
        dots TEXT NOT NULL,
        PRIMARY KEY (board_id, vote_id, participant_id)
      );
    `)
  }

  createVote(boardId: string, vote: StoredVote): void {
    this.db.prepare('INSERT INTO votes (board_id, vote_id, data) VALUES (?, ?, ?)').run(boardId, vote.id, JSON.stringify(vote))
  }

  getVote(boardId: string, voteId: string): StoredVote | undefined {
    const row = this.db
      .prepare<[string, string], { data: string }>('SELECT data FROM votes WHERE board_id = ? AND vote_id = ?')
      .get(boardId, voteId)
    return row ? (JSON.parse(row.data) as StoredVote) : undefined
  }

  closeVote(boardId: string, voteId: string, closedAt: number, totals: Dots): void {
    const vote = this.getVote(boardId, voteId)
    if (!vote) return
    const closed: StoredVote = { ...vote, status: 'closed', closedAt, totals }
    this.db.prepare('UPDATE votes SET data = ? WHERE board_id = ? AND vote_id = ?').run(JSON.stringify(closed), boardId, voteId)
  }

  putBallot(boardId: string, voteId: string, participantId: string, dots: Dots): void {
    if (Object.keys(dots).length === 0) {
      this.db.prepare('DELETE FROM ballots WHERE board_id = ? AND vote_id = ? AND participant_id = ?').run(boardId, voteId, participantId)
      return
    }
    this.db
      .prepare(
        `INSERT INTO ballots (board_id, vote_id, participant_id, dots) VALUES (?, ?, ?, ?)
         ON CONFLICT (board_id, vote_id, participant_id) DO UPDATE SET dots = excluded.dots`,
      )
      .run(boardId, voteId, participantId, JSON.stringify(dots))
  }

  getBallot(boardId: string, voteId: string, participantId: string): Dots {
    const row = this.db
      .prepare<[string, string, string], { dots: string }>(
        'SELECT dots FROM ballots WHERE board_id = ? AND vote_id = ? AND participant_id = ?',
      )
      .get(boardId, voteId, participantId)
    return row ? (JSON.parse(row.dots) as Dots) : {}
  }

  ballots(boardId: string, voteId: string): Dots[] {
    return this.db
      .prepare<[string, string], { dots: string }>('SELECT dots FROM ballots WHERE board_id = ? AND vote_id = ?')
      .all(boardId, voteId)
      .map((row) => JSON.parse(row.dots) as Dots)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
