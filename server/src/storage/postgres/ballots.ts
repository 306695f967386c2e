import type pg from 'pg'
import type { Dots } from '@roundtable/shared'
import type { BallotStore, StoredVote } from '../ballots.ts'
import type { MaybeAsync } from '../maybeAsync.ts'
import type { Fence } from '../../cluster/ownership.ts'
import { transaction } from './transaction.ts'
import { checkFence } from './fence.ts'

/**
 * Secret ballots in PostgreSQL (votes and ballots as jsonb), with the same rules as SQLite's.
 * Closing a vote is one statement, so it cannot lose a concurrent change to the vote. The pool
 * is the caller's: close() does not end it. With a fence, writes are the board owner's only,
 * like the board's own (see fence.ts): a stalled ex-owner cannot change a vote.
 */
export class PostgresBallotStore implements MaybeAsync<BallotStore> {
  constructor(
    private pool: pg.Pool,
    private fence?: Fence,
  ) {}

  /** Runs a write, fenced when several processes share the database. */
  private write(boardId: string, text: string, values: unknown[]): Promise<unknown> {
    if (!this.fence) return this.pool.query(text, values)
    return transaction(this.pool, async (client) => {
      await checkFence(client, this.fence, boardId)
      await client.query(text, values)
    })
  }

  async createVote(boardId: string, vote: StoredVote): Promise<void> {
    await this.write(boardId, 'INSERT INTO votes (board_id, vote_id, data) VALUES ($1, $2, $3::jsonb)', [
      boardId,
      vote.id,
      JSON.stringify(vote),
    ])
  }

  async getVote(boardId: string, voteId: string): Promise<StoredVote | undefined> {
    const { rows } = await this.pool.query<{ data: StoredVote }>('SELECT data FROM votes WHERE board_id = $1 AND vote_id = $2', [
      boardId,
      voteId,
    ])
    return rows[0]?.data
  }

  async closeVote(boardId: string, voteId: string, closedAt: number, totals: Dots): Promise<void> {
    await this.write(
      boardId,
      `UPDATE votes SET data = data || jsonb_build_object('status', 'closed', 'closedAt', $3::bigint, 'totals', $4::jsonb)
       WHERE board_id = $1 AND vote_id = $2`,
      [boardId, voteId, closedAt, JSON.stringify(totals)],
    )
  }

  async putBallot(boardId: string, voteId: string, key: string, dots: Dots): Promise<void> {
    if (Object.keys(dots).length === 0) {
      await this.write(boardId, 'DELETE FROM ballots WHERE board_id = $1 AND vote_id = $2 AND participant_id = $3', [boardId, voteId, key])
    } else {
      await this.write(
        boardId,
        `INSERT INTO ballots (board_id, vote_id, participant_id, dots) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (board_id, vote_id, participant_id) DO UPDATE SET dots = excluded.dots`,
        [boardId, voteId, key, JSON.stringify(dots)],
      )
    }
  }

  async getBallot(boardId: string, voteId: string, key: string): Promise<Dots> {
    const { rows } = await this.pool.query<{ dots: Dots }>(
      'SELECT dots FROM ballots WHERE board_id = $1 AND vote_id = $2 AND participant_id = $3',
      [boardId, voteId, key],
    )
    return rows[0]?.dots ?? {}
  }

  async ballots(boardId: string, voteId: string): Promise<Dots[]> {
    const { rows } = await this.pool.query<{ dots: Dots }>('SELECT dots FROM ballots WHERE board_id = $1 AND vote_id = $2', [
      boardId,
      voteId,
    ])
    return rows.map((row) => row.dots)
  }

  async forgetLegacyBallots(boardId: string): Promise<void> {
    await this.write(
      boardId,
      `DELETE FROM ballots b USING votes v
       WHERE b.board_id = $1 AND length(b.participant_id) <> 64
       AND v.board_id = b.board_id AND v.vote_id = b.vote_id AND v.data->>'status' = 'closed'`,
      [boardId],
    )
  }

  async voteIds(boardId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ vote_id: string }>('SELECT vote_id FROM votes WHERE board_id = $1', [boardId])
    return rows.map((row) => row.vote_id)
  }

  /** The pool is the caller's; nothing to release here. */
  close(): void {}
}
