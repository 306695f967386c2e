import type { MaybePromise } from './maybeAsync.ts'
import type { Dots, VoteState } from '@roundtable/shared'

/** A vote as the server keeps it: the authority, whatever the (writable-by-anyone) doc says. */
export type StoredVote = Omit<VoteState, 'voterCount' | 'totals'> & { totals?: Dots }

/** Secret ballots. They live here only: they never enter a board's doc. */
export interface BallotStore {
  createVote(boardId: string, vote: StoredVote): MaybePromise<void>
  getVote(boardId: string, voteId: string): MaybePromise<StoredVote | undefined>
  closeVote(boardId: string, voteId: string, closedAt: number, totals: Dots): MaybePromise<void>
  /** Replace a voter's whole ballot (an empty one removes it). `key`: the voter's ballot key (ballotKey()). */
  putBallot(boardId: string, voteId: string, key: string, dots: Dots): MaybePromise<void>
  getBallot(boardId: string, voteId: string, key: string): MaybePromise<Dots>
  /**
   * Deletes the ballots of the board's closed votes that are kept under a participant id (as
   * before ballot keys) rather than a ballot key: their totals are kept, and nothing else needs them.
   */
  forgetLegacyBallots(boardId: string): MaybePromise<void>
  ballots(boardId: string, voteId: string): MaybePromise<Dots[]>
  /** The ids of every vote run on the board. */
  voteIds(boardId: string): MaybePromise<string[]>
  close(): void
}
