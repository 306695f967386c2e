import type * as Y from 'yjs'
import { PARTICIPANTS_KEY } from './docKeys.ts'

/**
 * Participation balance: how contribution is spread across the people on a board, so the group
 * can invite quieter voices. Never a ranking: rows keep the order people arrived in.
 */

export interface ParticipantInfo {
  name: string
  color: string
  /** When this participant first opened the board (ms since epoch). */
  firstSeen: number
}

export function boardParticipants(doc: Y.Doc): Y.Map<ParticipantInfo> {
  return doc.getMap<ParticipantInfo>(PARTICIPANTS_KEY)
}

/**
 * Remembers a participant's name and colour in the doc so people who have left still have a
 * name. Writes only when something changed (a Y.Map keeps every overwritten value).
 */
export function recordParticipant(doc: Y.Doc, id: string, who: { name: string; color: string }, now: number): void {
  const map = boardParticipants(doc)
  const known = map.get(id)
  if (known && known.name === who.name && known.color === who.color) return
  map.set(id, { name: who.name, color: who.color, firstSeen: known?.firstSeen ?? now })
}

/** Shape meta written by the client: who created a shape, and who else has changed it since. */
export interface AttributionMeta {
  createdBy?: string
  editedBy?: string[]
}

/**
 * Who should be added to a shape's `editedBy` when `editorId` changes it: nobody for anonymous
 * shapes (no creator: they count for nobody) or for the creator's own changes, else the editor
 * once. Returns the new list, or undefined when the shape's meta should stay as it is.
 */
export function withEditor(meta: AttributionMeta, editorId: string): string[] | undefined {
  if (!meta.createdBy || meta.createdBy === editorId) return undefined
  const editors = Array.isArray(meta.editedBy) ? meta.editedBy : []
  return editors.includes(editorId) ? undefined : [...editors, editorId]
}

export interface BatonInterval {
  participantId: string
  start: number
  /** Missing while the baton is still held. */
  end?: number
}

export interface ParticipationInput {
  /** Shape records of the board (their `type` and `meta` are read). */
  shapes: Iterable<object>
  /** The doc's participants map. */
  participants: Readonly<Record<string, ParticipantInfo>>
  /** People here now (awareness `user`), in any order. */
  present: readonly { id: string; name: string; color: string }[]
  /** Ballots cast per participant (counts only), once the board has votes. */
  votes?: Readonly<Record<string, number>>
  /** Who held the baton when, once the board has a facilitation log. */
  baton?: readonly BatonInterval[]
  /** Turns taken per participant (called from the raised hands, or spoke in a go-around). */
  turns?: Readonly<Record<string, number>>
  /** Comments written per participant (comment threads are signed, even on anonymous notes). */
  comments?: Readonly<Record<string, number>>
  /**
   * Revealed silent rounds each participant wrote drafts in, from the draft counts everyone saw
   * during the round (see silentRoundCredits): never from the notes, which may be anonymous.
   */
  silentRounds?: Readonly<Record<string, number>>
  /** People with drafts in the round running now (their counts are shown to everyone). */
  drafting?: readonly string[]
  /** Server time: baton intervals still open end here. */
  now: number
}

export interface ParticipationRow {
  id: string
  name: string
  color: string
  present: boolean
  /** Sticky notes this person wrote (anonymous notes count for nobody). */
  notes: number
  /** Shapes someone else started that this person changed. */
  edits: number
  votes: number
  batonMs: number
  turns: number
  comments: number
  /** Revealed silent rounds this person wrote in. */
  silentRounds: number
  /** Writing drafts in the round running now. */
  drafting: boolean
  /** Has written, edited, voted, commented, taken a turn or written in a silent round (or is writing now). */
  heard: boolean
}

export interface ParticipationSummary {
  /** In the order people first arrived: never sorted by how much they did. */
  rows: ParticipationRow[]
  /** People here now who have not contributed yet: an invitation, not a verdict. */
  notHeardFrom: ParticipationRow[]
  showVotes: boolean
  showBaton: boolean
}

export function participation(input: ParticipationInput): ParticipationSummary {
  const rows = new Map<string, ParticipationRow>()
  const row = (id: string): ParticipationRow => {
    let r = rows.get(id)
    if (!r) {
      const info = input.participants[id]
      r = {
        id,
        name: info?.name ?? 'Someone',
        color: info?.color ?? '#868e96',
        present: false,
        notes: 0,
        edits: 0,
        votes: 0,
        batonMs: 0,
        turns: 0,
        comments: 0,
        silentRounds: 0,
        drafting: false,
        heard: false,
      }
      rows.set(id, r)
    }
    return r
  }

  const firstSeen = (id: string) => input.participants[id]?.firstSeen ?? Number.POSITIVE_INFINITY
  for (const id of Object.keys(input.participants)) row(id)
  for (const p of input.present) {
    const r = row(p.id)
    Object.assign(r, { present: true, name: p.name, color: p.color })
  }

  for (const shape of input.shapes as Iterable<{ type?: unknown; meta?: unknown }>) {
    const meta = (shape.meta ?? {}) as AttributionMeta
    const creator = typeof meta.createdBy === 'string' ? meta.createdBy : undefined
    if (creator && shape.type === 'note') row(creator).notes++
    // Edits of anonymous shapes, like the shapes themselves, count for nobody.
    if (creator && Array.isArray(meta.editedBy)) {
      for (const id of new Set(meta.editedBy)) if (typeof id === 'string' && id !== creator) row(id).edits++
    }
  }
  for (const [id, count] of Object.entries(input.votes ?? {})) if (count > 0) row(id).votes += count
  for (const [id, count] of Object.entries(input.turns ?? {})) if (count > 0) row(id).turns += count
  for (const [id, count] of Object.entries(input.comments ?? {})) if (count > 0) row(id).comments += count
  for (const [id, count] of Object.entries(input.silentRounds ?? {})) if (count > 0) row(id).silentRounds += count
  for (const id of input.drafting ?? []) row(id).drafting = true
  for (const interval of input.baton ?? []) {
    row(interval.participantId).batonMs += Math.max(0, (interval.end ?? input.now) - interval.start)
  }

  const ordered = [...rows.values()].sort((a, b) => firstSeen(a.id) - firstSeen(b.id) || a.id.localeCompare(b.id))
  for (const r of ordered)
    r.heard = r.notes > 0 || r.edits > 0 || r.votes > 0 || r.turns > 0 || r.comments > 0 || r.silentRounds > 0 || r.drafting
  return {
    rows: ordered,
    notHeardFrom: ordered.filter((r) => r.present && !r.heard),
    showVotes: input.votes !== undefined,
    showBaton: (input.baton?.length ?? 0) > 0,
  }
}

/** "12 min", "1 h 05 min": baton time for people, not a stopwatch. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return ms > 0 ? '<1 min' : '0 min'
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
}

/**
 * The panel's invitation to quieter voices. It names only people here who have contributed
 * nothing anyone can see (see ParticipationRow.heard), so it never calls out someone who just
 * took part; `meId` is addressed in the second person instead.
 */
export function invitation(summary: ParticipationSummary, meId: string, canWrite: boolean): string {
  const waiting = summary.notHeardFrom
  const others = waiting.filter((r) => r.id !== meId).map((r) => r.name)
  if (others.length) return `Not heard from yet: ${others.join(', ')}. Invite them in?`
  return waiting.length && canWrite ? 'You have not added anything yet: jump in whenever you are ready.' : ''
}

/** Comments per author, from the comments map's values (malformed entries count for nobody). */
export function commentCounts(comments: Iterable<unknown>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of comments) {
    const by = (c as { by?: unknown } | null)?.by
    if (typeof by === 'string') counts[by] = (counts[by] ?? 0) + 1
  }
  return counts
}
