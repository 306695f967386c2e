/* The requests that votes and silent rounds are run with (the channel itself: request.ts). */

export type Dots = Record<string, number>

export interface VoteStartArgs {
  shapeIds: string[]
  perPerson: number
  allowMultiple: boolean
  showLive: boolean
  /** Timebox in ms, or null for "until someone closes it". */
  durationMs: number | null
}

/** Proof of a participant id, for a ballot that a vote started before ballot keys holds under it. */
export interface LegacyVoter {
  participantId: string
  secret: string
}

export interface RoundStartArgs {
  prompt: string
  /** Timebox in ms, or null for "until someone reveals". */
  durationMs: number | null
  anonymous: boolean
  /** Page and top-left point where revealed notes are laid out. */
  pageId: string
  anchor: { x: number; y: number }
}

/**
 * Every request and what it answers with. Votes and rounds are started, closed and revealed by
 * the server on request (it alone writes the `votes` and `brainstorm` maps), so nobody can forge
 * results or flip a round from anonymous to named.
 */
export interface RequestOps {
  'vote.start': { args: VoteStartArgs; result: { voteId: string } }
  /** `ballotKey`: see ballotKey(); `legacyVoter` only for a vote without `ballotKeys` (see VoteState). */
  'vote.cast': { args: { voteId: string; ballotKey: string; legacyVoter?: LegacyVoter; dots: Dots }; result: { dots: Dots } }
  'vote.mine': { args: { voteId: string; ballotKey: string; legacyVoter?: LegacyVoter }; result: { dots: Dots } }
  /** `onlyIfEnded`: sent when a device's timer runs out; refused while the server's clock says time is left. */
  'vote.close': { args: { voteId: string; onlyIfEnded?: boolean }; result: { totals: Dots } }
  'round.start': { args: RoundStartArgs; result: { roundId: string } }
  /** `onlyIfEnded` as for votes. */
  'round.reveal': { args: { roundId: string; onlyIfEnded?: boolean }; result: Record<string, never> }
  /** Reserve `count` non-overlapping places in the reveal layout for a named reveal. */
  'round.claim': { args: { roundId: string; count: number }; result: { firstSlot: number } }
  /**
   * Hand drafts to the server, which publishes everyone's at once with no author. Refused with
   * code `alone` when they would be published on their own (so could be told apart); sending
   * again with `alone: true` is the writer's choice to publish anyway.
   */
  'round.publishAnonymous': { args: { roundId: string; notes: string[]; alone?: boolean }; result: { published: number } }
}
export type RequestOp = keyof RequestOps

/** Refusals a client acts on rather than just shows. */
export type RequestErrorCode = 'alone'
