import type { Dots, VoteStartArgs } from './protocol.ts'

/** A dot vote as published in the doc (`votes` map, keyed by vote id). Never holds a ballot. */
export interface VoteState {
  id: string
  shapeIds: string[]
  perPerson: number
  allowMultiple: boolean
  showLive: boolean
  startedAt: number
  endsAt: number | null
  status: 'open' | 'closed'
  /** How many people have at least one dot down. */
  voterCount: number
  /** Totals per shape id: after close, or while open when the vote shows live totals. */
  totals?: Dots
  closedAt?: number
  /**
   * Set on votes started since ballots are stored under per-vote ballot keys. A vote without it
   * may hold ballots under participant ids, which its voters move to their key (legacyVoter).
   */
  ballotKeys?: true
}

export const VOTE_DEFAULTS = { perPerson: 3, allowMultiple: true, showLive: false, durationMs: null } as const
export const MAX_VOTE_SHAPES = 500
export const MAX_DOTS_PER_PERSON = 50
export const MAX_VOTE_DURATION_MS = 24 * 3600_000

export type Result<T> = { ok: true; value: T } | { ok: false; error: string }

const isInt = (n: unknown, min: number, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max

/** Checks what someone asked to start; every rule the server enforces on a vote's shape. */
export function validateVoteStart(input: Record<string, unknown>): Result<VoteStartArgs> {
  const { shapeIds, perPerson, allowMultiple, showLive, durationMs } = input
  if (!Array.isArray(shapeIds) || shapeIds.length === 0) return { ok: false, error: 'a vote needs at least one note' }
  if (shapeIds.length > MAX_VOTE_SHAPES) return { ok: false, error: `a vote can hold at most ${MAX_VOTE_SHAPES} notes` }
  if (!shapeIds.every((id) => typeof id === 'string' && id.startsWith('shape:') && id.length <= 200)) {
    return { ok: false, error: 'shapeIds must be tldraw shape ids' }
  }
  if (new Set(shapeIds).size !== shapeIds.length) return { ok: false, error: 'shapeIds must not repeat' }
  if (!isInt(perPerson, 1, MAX_DOTS_PER_PERSON))
    return { ok: false, error: `votes per person must be a whole number from 1 to ${MAX_DOTS_PER_PERSON}` }
  if (typeof allowMultiple !== 'boolean' || typeof showLive !== 'boolean')
    return { ok: false, error: 'allowMultiple and showLive must be true or false' }
  if (durationMs !== null && !isInt(durationMs, 1000, MAX_VOTE_DURATION_MS)) {
    return { ok: false, error: 'the timebox must be null or from 1 second to 24 hours' }
  }
  return { ok: true, value: { shapeIds: shapeIds as string[], perPerson, allowMultiple, showLive, durationMs } }
}

export function isVoteOpen(vote: Pick<VoteState, 'status' | 'endsAt'>, now: number): boolean {
  return vote.status === 'open' && (vote.endsAt === null || now < vote.endsAt)
}

export function dotsUsed(dots: Dots): number {
  return Object.values(dots).reduce((sum, n) => sum + n, 0)
}

/**
 * A ballot is one person's whole set of dots (sending it again replaces it, which is how dots
 * move). Returns the ballot without zero entries, or why it is refused.
 */
export function validateBallot(vote: Pick<VoteState, 'shapeIds' | 'perPerson' | 'allowMultiple'>, dots: unknown): Result<Dots> {
  if (!dots || typeof dots !== 'object' || Array.isArray(dots)) return { ok: false, error: 'dots must be an object of note id to count' }
  const inVote = new Set(vote.shapeIds)
  const clean: Dots = {}
  for (const [shapeId, count] of Object.entries(dots)) {
    if (!inVote.has(shapeId)) return { ok: false, error: `note ${shapeId} is not part of this vote` }
    if (!isInt(count, 0, MAX_DOTS_PER_PERSON)) return { ok: false, error: 'each count must be a whole number of dots' }
    if (count > 1 && !vote.allowMultiple) return { ok: false, error: 'this vote allows one dot per note' }
    if (count > 0) clean[shapeId] = count
  }
  const used = dotsUsed(clean)
  if (used > vote.perPerson)
    return { ok: false, error: `you have ${vote.perPerson} dot${vote.perPerson === 1 ? '' : 's'}; this ballot uses ${used}` }
  return { ok: true, value: clean }
}

/** Sum of all ballots per note; every note in the vote appears, with 0 if nobody chose it. */
export function tally(shapeIds: readonly string[], ballots: readonly Dots[]): Dots {
  const totals: Dots = Object.fromEntries(shapeIds.map((id) => [id, 0]))
  for (const ballot of ballots) for (const [id, n] of Object.entries(ballot)) if (id in totals) totals[id] += n
  return totals
}

export interface RankedResult {
  shapeId: string
  votes: number
  /** 1 for the most votes; notes with equal votes share a rank (1, 2, 2, 4). */
  rank: number
}

/** Notes by votes, most first; ties keep the vote's order of notes so the list is stable. */
export function rankResults(shapeIds: readonly string[], totals: Dots): RankedResult[] {
  const sorted = shapeIds
    .map((shapeId, order) => ({ shapeId, votes: totals[shapeId] ?? 0, order }))
    .sort((a, b) => b.votes - a.votes || a.order - b.order)
  return sorted.map(({ shapeId, votes }) => ({
    shapeId,
    votes,
    rank: sorted.findIndex((s) => s.votes === votes) + 1,
  }))
}
