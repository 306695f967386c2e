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
