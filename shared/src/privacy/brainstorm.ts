import type * as Y from 'yjs'
import { richText, type ShapeRecord } from '../templates/records.ts'
import type { Point } from '../templates/records.ts'
import type { RoundStartArgs } from './protocol.ts'
import { MAX_VOTE_DURATION_MS, type Result, type VoteState } from './voting.ts'
import { BRAINSTORM_KEY, VOTES_KEY } from '../docKeys.ts'

/**
 * Silent brainstorm and dot-vote state in the board doc. Only public facts live here: the
 * round's prompt and timing, and a vote's settings, voter count and (after close) totals.
 * Drafts stay on each device; ballots stay on the server.
 */

export interface RoundState {
  roundId: string
  prompt: string
  startedAt: number
  endsAt: number | null
  anonymous: boolean
  /** When the round was revealed; null while people are still writing. */
  revealedAt: number | null
  /** Page and top-left point where revealed notes are laid out. */
  pageId: string
  anchor: Point
  /**
   * Set at the reveal: how many drafts each participant (by id) showed when it came, the counts
   * everyone saw during the round. Credits people for taking part without tying anyone to a note.
   */
  wrote?: Record<string, number>
}

/** Server-kept counter of reveal-layout places used, per round. */
export interface RoundSlots {
  roundId: string
  used: number
}

export function brainstormMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(BRAINSTORM_KEY)
}

export function votesMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(VOTES_KEY)
}

export function readRound(doc: Y.Doc): RoundState | undefined {
  return brainstormMap(doc).get('round') as RoundState | undefined
}

/** An earlier round, kept (under `past:<roundId>`) so drafts from it can still be published later. */
export interface PastRound extends RoundState {
  /** Reveal places used. */
  used: number
}
export const PAST_ROUND_PREFIX = 'past:'

/** A round by id, the current one or an earlier one, with how many reveal places it has used. */
export function findRound(doc: Y.Doc, roundId: string): { round: RoundState; used: number; current: boolean } | undefined {
  const map = brainstormMap(doc)
  const current = map.get('round') as RoundState | undefined
  if (current?.roundId === roundId) {
    const slots = map.get('slots') as RoundSlots | undefined
    return { round: current, used: slots?.roundId === roundId ? slots.used : 0, current: true }
  }
  const past = map.get(PAST_ROUND_PREFIX + roundId) as PastRound | undefined
  return past ? { round: past, used: past.used, current: false } : undefined
}

export const MAX_PROMPT_CHARS = 500

/** Checks what someone asked to start a silent round with. */
export function validateRoundStart(input: Record<string, unknown>): Result<RoundStartArgs> {
  const { prompt, durationMs, anonymous, pageId, anchor } = input
  if (typeof prompt !== 'string' || prompt.length > MAX_PROMPT_CHARS)
    return { ok: false, error: `the prompt must be text of at most ${MAX_PROMPT_CHARS} characters` }
  if (
    durationMs !== null &&
    (typeof durationMs !== 'number' || !Number.isInteger(durationMs) || durationMs < 1000 || durationMs > MAX_VOTE_DURATION_MS)
  ) {
    return { ok: false, error: 'the timebox must be null or from 1 second to 24 hours' }
  }
  if (typeof anonymous !== 'boolean') return { ok: false, error: 'anonymous must be true or false' }
  if (typeof pageId !== 'string' || !pageId.startsWith('page:') || pageId.length > 200)
    return { ok: false, error: 'pageId must be a tldraw page id' }
  const a = anchor as { x?: unknown; y?: unknown } | null
  const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && Math.abs(n) < 1e9
  if (!a || typeof a !== 'object' || !finite(a.x) || !finite(a.y)) return { ok: false, error: 'anchor must be a point {x, y}' }
  return { ok: true, value: { prompt: prompt.trim(), durationMs, anonymous, pageId, anchor: { x: Math.round(a.x), y: Math.round(a.y) } } }
}

/** What each person shares in awareness during a round: how many drafts, never what they say. */
export interface DraftCount {
  roundId: string
  count: number
}
export const DRAFTS_AWARENESS_FIELD = 'drafts'

/** Drafts per participant id in round `roundId`, from awareness states (`user` and `drafts` fields). */
export function draftCountsByParticipant(states: Iterable<Record<string, unknown> | undefined>, roundId: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const state of states) {
    const id = (state?.user as { id?: unknown } | undefined)?.id
    const drafts = state?.[DRAFTS_AWARENESS_FIELD] as DraftCount | null | undefined
    if (typeof id !== 'string' || drafts?.roundId !== roundId) continue
    const count = Number.isInteger(drafts.count) && drafts.count > 0 ? drafts.count : 0
    // Two tabs of one person: the larger count (each tab shows its own drafts).
    if (count > 0) counts[id] = Math.max(counts[id] ?? 0, count)
  }
  return counts
}

/** Revealed rounds each participant wrote in, from the brainstorm map's contents (current and past rounds). */
export function silentRoundCredits(brainstorm: Readonly<Record<string, unknown>>): Record<string, number> {
  const credits: Record<string, number> = {}
  for (const [key, value] of Object.entries(brainstorm)) {
    if (key !== 'round' && !key.startsWith(PAST_ROUND_PREFIX)) continue
    const round = value as Partial<RoundState> | undefined
    if (!round || typeof round.revealedAt !== 'number' || !round.wrote || typeof round.wrote !== 'object') continue
    for (const [id, count] of Object.entries(round.wrote)) if (typeof count === 'number' && count > 0) credits[id] = (credits[id] ?? 0) + 1
  }
  return credits
}

/**
 * Whether a client keeps its cursor, selection and view out of awareness: while a dot vote is
 * open (a cursor over a note's dots tells where someone votes) and while a silent round runs
 * (where someone writes, next to "Weaknesses", says what they write). Others still see who is
 * here and, in a round, how many drafts each has.
 */
export function presenceWithheld(votes: Iterable<unknown>, round: RoundState | undefined): boolean {
  if (round && round.revealedAt === null) return true
  for (const v of votes) if ((v as VoteState | undefined)?.status === 'open') return true
  return false
}

export const REVEAL_NOTE_SIZE = 200
export const REVEAL_COLUMNS = 6
const REVEAL_GAP = 30
/** Rows are taller than a note so a note that grew with long text still clears the next row. */
const REVEAL_ROW = REVEAL_NOTE_SIZE + 90

/** Where the note in reveal place `slot` goes: a grid from the anchor, left to right. */
export function revealSlotPosition(anchor: Point, slot: number): Point {
  return {
    x: anchor.x + (slot % REVEAL_COLUMNS) * (REVEAL_NOTE_SIZE + REVEAL_GAP),
    y: anchor.y + Math.floor(slot / REVEAL_COLUMNS) * REVEAL_ROW,
  }
}

/** The page area the first `used` reveal places cover (where to look after a reveal). */
export function revealArea(anchor: Point, used: number): { x: number; y: number; w: number; h: number } {
  const columns = Math.min(Math.max(used, 1), REVEAL_COLUMNS)
  const rows = Math.max(1, Math.ceil(used / REVEAL_COLUMNS))
  return {
    x: anchor.x,
    y: anchor.y,
    w: columns * (REVEAL_NOTE_SIZE + REVEAL_GAP) - REVEAL_GAP,
    h: (rows - 1) * REVEAL_ROW + REVEAL_NOTE_SIZE,
  }
}

/** The anchor for a new round: below everything already on the page, or at the given point if the page is empty. */
export function revealAnchor(pageBounds: { minX: number; maxY: number } | undefined, fallback: Point): Point {
  if (!pageBounds) return { x: Math.round(fallback.x - (REVEAL_COLUMNS * (REVEAL_NOTE_SIZE + REVEAL_GAP)) / 2), y: Math.round(fallback.y) }
  return { x: Math.round(pageBounds.minX), y: Math.round(pageBounds.maxY + 120) }
}

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * `count` valid, distinct tldraw index keys that sort above `highest` (a fractional-indexing
 * key): appending digits other than '0' keeps a key valid and places it just after the original.
 */
export function indexKeysAbove(highest: string | undefined, count: number): string[] {
  const base = highest ?? 'a1'
  const keys: string[] = []
  for (let i = 0; i < count; i++) {
    let suffix = ''
    let n = i + 1
    // Bijective base 61 over '1'..'z': no digit is ever '0', so no key ends in '0'.
    while (n > 0) {
      const d = (n - 1) % 61
      suffix = DIGITS[d + 1] + suffix
      n = Math.floor((n - 1) / 61)
    }
    keys.push(base + suffix)
  }
  return keys
}

export interface NoteOptions {
  id: string
  parentId: string
  index: string
  at: Point
  text: string
  color?: string
  meta?: Record<string, unknown>
}

/** A tldraw 5 note record as plain JSON (the server builds these for anonymous reveals). */
export function noteRecord({ id, parentId, index, at, text, color = 'yellow', meta = {} }: NoteOptions): ShapeRecord {
  return {
    id,
    typeName: 'shape',
    type: 'note',
    x: at.x,
    y: at.y,
    rotation: 0,
    index,
    parentId,
    isLocked: false,
    opacity: 1,
    meta,
    props: {
      color,
      richText: richText(text),
      size: 'm',
      font: 'draw',
      align: 'middle',
      verticalAlign: 'middle',
      labelColor: 'black',
      growY: 0,
      fontSizeAdjustment: 1,
      url: '',
      scale: 1,
      // Attribution of the last text edit: none for a revealed note.
      textLastEditedBy: null,
    },
  }
}
