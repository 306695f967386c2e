/**
 * The session log: every facilitation act, who did it and when (server time). The baton is not
 * stored separately: its holder is what the log says after replaying it in a fixed order, so
 * once two devices have the same entries (which the CRDT guarantees) they agree on the holder,
 * even when two people stepped forward at the same moment.
 */
export type LogKind =
  | 'baton.take'
  | 'baton.pass'
  | 'baton.drop'
  | 'timer.start'
  | 'timer.pause'
  | 'timer.resume'
  | 'timer.add'
  | 'timer.stop'
  | 'phase.start'
  | 'summon'
  | 'hand.raise'
  | 'hand.lower'
  | 'hand.remove'
  | 'hand.call'
  | 'hand.pass'
  | 'round.start'
  | 'round.join'
  | 'round.next'
  | 'round.end'
  | 'present.start'
  | 'present.step'
  | 'present.end'
  /** Written once into a fork: the history above it comes from the original board, and frees the baton. */
  | 'board.fork'

export const LOG_KINDS: readonly LogKind[] = [
  'baton.take',
  'baton.pass',
  'baton.drop',
  'timer.start',
  'timer.pause',
  'timer.resume',
  'timer.add',
  'timer.stop',
  'phase.start',
  'summon',
  'hand.raise',
  'hand.lower',
  'hand.remove',
  'hand.call',
  'hand.pass',
  'round.start',
  'round.join',
  'round.next',
  'round.end',
  'present.start',
  'present.step',
  'present.end',
  'board.fork',
]

export interface LogEntry {
  /** Unique per entry (random); the last tie-breaker. */
  id: string
  kind: LogKind
  /** Server-clock milliseconds. */
  at: number
  /** Participant id of who acted, and their name at the time. */
  by: string
  byName: string
  /** baton.pass, hand.remove, hand.call: to whom. */
  to?: string
  toName?: string
  /** timer.start / timer.add: how long. */
  durationMs?: number
  /** phase.start: which phase. */
  phaseId?: string
  phaseTitle?: string
  /** hand.raise: an offer to take the baton. */
  forBaton?: boolean
  /**
   * hand.call / hand.pass: which call (1, 2, …): two calls for the same turn are one call (see turns.ts).
   * round.next: the index of the turn it ends: two ends of one turn are one.
   * present.step: the index of the frame it shows.
   */
  turn?: number
  /** round.*: which go-around; present.*: which presentation. */
  roundId?: string
  /** round.start: what each person speaks to. */
  prompt?: string
  /** round.start: who speaks, in order (round.join adds its author at the end); present.start: the frames (id, name), in order. */
  order?: { id: string; name: string }[]
  /** round.next: why the turn ended. */
  reason?: RoundTurnEnd
}

/** How a go-around turn ended: the speaker said done, someone skipped it, its time ran out, its speaker had left. */
export type RoundTurnEnd = 'done' | 'skip' | 'timeout' | 'away'
export const ROUND_TURN_ENDS: readonly RoundTurnEnd[] = ['done', 'skip', 'timeout', 'away']

/** The one order every device replays the log in: time, then who, then entry id. */
export function compareEntries(a: LogEntry, b: LogEntry): number {
  return a.at - b.at || cmp(a.by, b.by) || cmp(a.id, b.id)
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function sortLog(entries: readonly LogEntry[]): LogEntry[] {
  return [...entries].sort(compareEntries)
}

/**
 * The time stamp for a new entry: the server time, but never before an entry this device has
 * already seen, so an act made in response to another always sorts after it even if our clock
 * estimate is a little behind.
 */
export function nextEntryTime(entries: readonly LogEntry[], serverNow: number): number {
  let latest = -Infinity
  for (const e of entries) if (e.at > latest) latest = e.at
  return Math.max(Math.round(serverNow), latest + 1)
}

export function makeEntry(
  entries: readonly LogEntry[],
  fields: Omit<LogEntry, 'id' | 'at'>,
  serverNow: number,
  id: string = randomId(),
): LogEntry {
  const entry: LogEntry = { id, at: nextEntryTime(entries, serverNow), ...fields }
  for (const k of Object.keys(entry) as (keyof LogEntry)[]) if (entry[k] === undefined) delete entry[k]
  return entry
}

export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Accepts only well-formed entries (a peer could write anything into the doc). */
export function readEntry(value: unknown): LogEntry | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  if (typeof v.id !== 'string' || typeof v.by !== 'string' || typeof v.at !== 'number' || !Number.isFinite(v.at)) return undefined
  if (!LOG_KINDS.includes(v.kind as LogKind)) return undefined
  if ((v.kind === 'baton.pass' || v.kind === 'hand.remove' || v.kind === 'hand.call') && typeof v.to !== 'string') return undefined
  if ((v.kind === 'hand.call' || v.kind === 'hand.pass' || v.kind === 'round.next') && !Number.isInteger(v.turn)) return undefined
  if (/^(round|present)\./.test(v.kind as string) && typeof v.roundId !== 'string') return undefined
  if ((v.kind === 'round.start' || v.kind === 'present.start') && !validOrder(v.order)) return undefined
  if (v.kind === 'present.step' && !Number.isInteger(v.turn)) return undefined
  if (v.kind === 'round.next' && !ROUND_TURN_ENDS.includes(v.reason as RoundTurnEnd)) return undefined
  return { ...(v as unknown as LogEntry), byName: typeof v.byName === 'string' ? v.byName : 'Someone' }
}

function validOrder(order: unknown): boolean {
  return Array.isArray(order) && order.every((p) => p && typeof p.id === 'string' && typeof p.name === 'string')
}

/**
 * The entry that frees the baton in a fork (and ends whatever turn-taking was under way: hands,
 * a go-around, a presentation, see `forkEntryFor` in turns.ts), or undefined when there is
 * nothing to free (`busy`: turn-taking is under way). Dated just after the last entry, not at the
 * fork: the holder's stretch ends where the history does, so a fork of an old session does not
 * show someone leading until today.
 */
export function forkEntry(entries: readonly LogEntry[], busy = false): LogEntry | undefined {
  if (!batonHolder(entries) && !busy) return undefined
  return makeEntry(entries, { kind: 'board.fork', by: '', byName: '' }, 0)
}

export interface BatonHolder {
  id: string
  name: string
  since: number
}

/**
 * Replays baton acts in log order. Taking always succeeds (the later step-forward wins a
 * race); passing and putting down only count when done by the holder at that point (or, for a
 * pass, when nobody holds it), so a pass that raced with someone else stepping forward is void
 * rather than yanking the baton away.
 */
export function batonHolder(entries: readonly LogEntry[]): BatonHolder | undefined {
  let holder: BatonHolder | undefined
  for (const e of sortLog(entries)) holder = applyBaton(holder, e)
  return holder
}

function applyBaton(holder: BatonHolder | undefined, e: LogEntry): BatonHolder | undefined {
  switch (e.kind) {
    case 'baton.take':
      return holder?.id === e.by ? holder : { id: e.by, name: e.byName, since: e.at }
    case 'baton.pass':
      // A free baton can be handed to anyone by anyone ("Ben, would you lead this part?").
      if ((holder && holder.id !== e.by) || !e.to) return holder
      return e.to === holder?.id ? holder : { id: e.to, name: e.toName ?? 'Someone', since: e.at }
    case 'baton.drop':
      return holder?.id === e.by ? undefined : holder
    case 'board.fork':
      return undefined
    default:
      return holder
  }
}

/** A stretch of the session: who held the baton (undefined: nobody) from `start` to `end`. */
export interface Stretch {
  holder: { id: string; name: string } | undefined
  start: number
  end: number
}

/** The leadership timeline from the first log entry until `now` (server time). */
export function leadershipTimeline(entries: readonly LogEntry[], now: number): Stretch[] {
  const sorted = sortLog(entries)
  if (sorted.length === 0) return []
  const stretches: Stretch[] = []
  let holder: BatonHolder | undefined
  let start = sorted[0].at
  for (const e of sorted) {
    const next = applyBaton(holder, e)
    if (next !== holder && next?.id !== holder?.id) {
      if (e.at > start) stretches.push({ holder: holder && { id: holder.id, name: holder.name }, start, end: e.at })
      start = e.at
    }
    holder = next
  }
  const end = Math.max(now, start)
  if (end > start || stretches.length === 0) stretches.push({ holder: holder && { id: holder.id, name: holder.name }, start, end })
  return mergeAdjacent(stretches)
}

function mergeAdjacent(stretches: Stretch[]): Stretch[] {
  const out: Stretch[] = []
  for (const s of stretches) {
    const last = out[out.length - 1]
    if (last && last.holder?.id === s.holder?.id && last.end === s.start) last.end = s.end
    else out.push({ ...s })
  }
  return out
}

export interface BatonTotal {
  id: string
  name: string
  heldMs: number
}

/** How long each person held the baton, longest first (the latest name each one used). */
export function batonTotals(entries: readonly LogEntry[], now: number): BatonTotal[] {
  const totals = new Map<string, BatonTotal>()
  for (const s of leadershipTimeline(entries, now)) {
    if (!s.holder) continue
    const t = totals.get(s.holder.id) ?? { id: s.holder.id, name: s.holder.name, heldMs: 0 }
    t.heldMs += s.end - s.start
    t.name = s.holder.name
    totals.set(s.holder.id, t)
  }
  return [...totals.values()].sort((a, b) => b.heldMs - a.heldMs || cmp(a.id, b.id))
}

/** A sentence for the timeline's list of acts. */
export function describeEntry(e: LogEntry): string {
  const mins = (ms?: number) => {
    const m = (ms ?? 0) / 60_000
    return `${Number.isInteger(m) ? m : m.toFixed(1)} min`
  }
  switch (e.kind) {
    case 'baton.take':
      return `${e.byName} stepped forward`
    case 'baton.pass':
      return `${e.byName} passed the baton to ${e.toName ?? 'someone'}`
    case 'baton.drop':
      return `${e.byName} put the baton down`
    case 'timer.start':
      return `${e.byName} started a ${mins(e.durationMs)} timer`
    case 'timer.pause':
      return `${e.byName} paused the timer`
    case 'timer.resume':
      return `${e.byName} resumed the timer`
    case 'timer.add':
      return `${e.byName} added ${mins(e.durationMs)}`
    case 'timer.stop':
      return `${e.byName} stopped the timer`
    case 'phase.start':
      return `${e.byName} started “${e.phaseTitle ?? 'a phase'}”`
    case 'summon':
      return `${e.byName} brought everyone to their view`
    case 'hand.raise':
      return `${e.byName} raised a hand${e.forBaton ? ' to take the baton' : ''}`
    case 'hand.lower':
      return `${e.byName} lowered their hand`
    case 'hand.remove':
      return `${e.byName} lowered ${e.toName ?? 'someone'}’s hand`
    case 'hand.call':
      return `${e.byName} called on ${e.toName ?? 'someone'}`
    case 'hand.pass':
      return `${e.byName} passed`
    case 'round.start':
      return `${e.byName} started a go-around${e.prompt ? `: “${e.prompt}”` : ''}${e.durationMs ? ` (${mins(e.durationMs)} each)` : ''}`
    case 'round.join':
      return `${e.byName} joined the go-around`
    case 'round.next':
      return e.reason === 'timeout'
        ? 'Time ran out: the go-around moved on'
        : e.reason === 'away'
          ? 'Skipped someone who left the go-around'
          : e.reason === 'skip'
            ? `${e.byName} skipped ${e.toName ?? 'a turn'}`
            : `${e.byName} finished their turn`
    case 'round.end':
      return `${e.byName} ended the go-around`
    case 'present.start':
      return `${e.byName} ${e.to ? `took over the presentation from ${e.toName ?? 'someone'}` : 'started presenting'} (${e.order?.length ?? 0} frames)`
    case 'present.step':
      return `${e.byName} showed frame ${(e.turn ?? 0) + 1}${e.toName ? `: ${e.toName}` : ''}`
    case 'present.end':
      return e.reason === 'away' ? 'The presentation ended: its presenter left' : `${e.byName} ended the presentation`
    case 'board.fork':
      return 'Forked into a new board: the acts above happened on the original, and nobody holds the baton here'
  }
}
