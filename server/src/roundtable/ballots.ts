import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Dots, VoteState } from '@roundtable/shared'

/** A vote as the server keeps it: the authority, whatever the (writable-by-anyone) doc says. */
export type StoredVote = Omit<VoteState, 'voterCount' | 'totals'> & { totals?: Dots }

/**
 * Secret ballots and who may cast them. Ballots live here only: they never enter a board's doc.
 * Participants are trusted on first use, server-wide: the first secret seen for an id is the one
 * that id must present from then on. Server-wide because ids are public on every board a person
 * visits: per board, someone who met them elsewhere could claim their id on a new board first.
 */
export interface BallotStore {
  /** True if `secret` is this participant's (recording it on first use). */
  verifyParticipant(participantId: string, secret: string): boolean
  createVote(boardId: string, vote: StoredVote): void
  getVote(boardId: string, voteId: string): StoredVote | undefined
  closeVote(boardId: string, voteId: string, closedAt: number, totals: Dots): void
  /** Replace a participant's whole ballot (an empty one removes it). */
  putBallot(boardId: string, voteId: string, participantId: string, dots: Dots): void
  getBallot(boardId: string, voteId: string, participantId: string): Dots
  ballots(boardId: string, voteId: string): Dots[]
  close(): void
}

const hash = (secret: string) => crypto.createHash('sha256').update(secret).digest()

/** SQLite (WAL) in its own file under DATA_DIR, so ballots never share a table with board updates. */
export class SqliteBallotStore implements BallotStore {
  private db: Database.Database

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true })
    this.db = new Database(path.join(dataDir, 'ballots.sqlite'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS identities (
        participant_id TEXT PRIMARY KEY,
        secret_hash BLOB NOT NULL
      );
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

  verifyParticipant(participantId: string, secret: string): boolean {
    const given = hash(secret)
    this.db.prepare('INSERT INTO identities (participant_id, secret_hash) VALUES (?, ?) ON CONFLICT DO NOTHING').run(participantId, given)
    const row = this.db
      .prepare<[string], { secret_hash: Buffer }>('SELECT secret_hash FROM identities WHERE participant_id = ?')
      .get(participantId)
    return !!row && crypto.timingSafeEqual(row.secret_hash, given)
  }

  createVote(boardId: string, vote: StoredVote): void {
    this.db.prepare('INSERT INTO votes (board_id, vote_id, data) VALUES (?, ?, ?)').run(boardId, vote.id, JSON.stringify(vote))
  }

  getVote(boardId: string, voteId: string): StoredVote | undefined {
    const row = this.db.prepare<[string, string], { data: string }>('SELECT data FROM votes WHERE board_id = ? AND vote_id = ?').get(boardId, voteId)
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
      .prepare<[string, string, string], { dots: string }>('SELECT dots FROM ballots WHERE board_id = ? AND vote_id = ? AND participant_id = ?')
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
