import * as Y from 'yjs'
import { type AgendaItem, normalizeItem, orderAtEnd, orderForMove, readAgendaItem, sortAgenda } from './facilitation/agenda.ts'
import { type LogEntry, makeEntry, randomId, readEntry, type RoundTurnEnd, sortLog } from './facilitation/log.ts'
import { roundsState } from './facilitation/rounds.ts'
import { presentationState, type PresentedFrame } from './facilitation/present.ts'
import { addTime, MINUTE_MS, pauseTimer, readTimer, resumeTimer, startTimer, stopTimer, type TimerState } from './facilitation/timer.ts'
import { handsState, nextToCall, type RaisedHand } from './facilitation/turns.ts'
import { FACILITATION_KEY, AGENDA_KEY, SESSION_LOG_KEY } from './docKeys.ts'

/**
 * Facilitation state in the board's Y.Doc (beside `records` and `meta`, see boardDoc.ts):
 * - `facilitation` (Y.Map): `timer` (TimerState, server-clock times), `phase` (current phase).
 *   Concurrent writes to one key resolve the same way on every device (Yjs picks one).
 * - `agenda` (Y.Map): phases by id, ordered by their `order` field.
 * - `sessionLog` (Y.Array): every facilitation act; the baton holder is derived from it.
 * Every write here is one transaction: the act and its log entry arrive together.
 */

export interface Actor {
  id: string
  name: string
}

export interface CurrentPhase {
  id: string
  startedAt: number
}

export interface FacilitationState {
  timer: TimerState
  phase: CurrentPhase | undefined
  agenda: AgendaItem[]
  log: LogEntry[]
}

export function facilitationMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(FACILITATION_KEY)
}
export function agendaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(AGENDA_KEY)
}
export function sessionLog(doc: Y.Doc): Y.Array<unknown> {
  return doc.getArray(SESSION_LOG_KEY)
}

export function readLog(doc: Y.Doc): LogEntry[] {
  return sortLog(
    sessionLog(doc)
      .toArray()
      .flatMap((v) => readEntry(v) ?? []),
  )
}

export function readAgenda(doc: Y.Doc): AgendaItem[] {
  const items: AgendaItem[] = []
  agendaMap(doc).forEach((value, id) => {
    const item = readAgendaItem(id, value)
    if (item) items.push(item)
  })
  return sortAgenda(items)
}

function readPhase(value: unknown): CurrentPhase | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  return typeof v.id === 'string' && typeof v.startedAt === 'number' ? { id: v.id, startedAt: v.startedAt } : undefined
}

export function readFacilitation(doc: Y.Doc): FacilitationState {
  const map = facilitationMap(doc)
  return { timer: readTimer(map.get('timer')), phase: readPhase(map.get('phase')), agenda: readAgenda(doc), log: readLog(doc) }
}

/** Calls `onChange` whenever anything facilitation-related in the doc changes. */
export function observeFacilitation(doc: Y.Doc, onChange: () => void): () => void {
  const map = facilitationMap(doc)
  const agenda = agendaMap(doc)
  const log = sessionLog(doc)
  map.observe(onChange)
  agenda.observe(onChange)
  log.observe(onChange)
  return () => {
    map.unobserve(onChange)
    agenda.unobserve(onChange)
    log.unobserve(onChange)
  }
}

function appendLog(doc: Y.Doc, actor: Actor, fields: Omit<LogEntry, 'id' | 'at' | 'by' | 'byName'>, serverNow: number): LogEntry {
  const entry = makeEntry(readLog(doc), { by: actor.id, byName: actor.name, ...fields }, serverNow)
  sessionLog(doc).push([entry])
  return entry
}

// The baton -----------------------------------------------------------------------------------

export function stepForward(doc: Y.Doc, actor: Actor, serverNow: number) {
  doc.transact(() => appendLog(doc, actor, { kind: 'baton.take' }, serverNow))
}

export function passBaton(doc: Y.Doc, actor: Actor, to: Actor, serverNow: number) {
  doc.transact(() => appendLog(doc, actor, { kind: 'baton.pass', to: to.id, toName: to.name }, serverNow))
}

export function putBatonDown(doc: Y.Doc, actor: Actor, serverNow: number) {
  doc.transact(() => appendLog(doc, actor, { kind: 'baton.drop' }, serverNow))
}

// The timer -----------------------------------------------------------------------------------

export type TimerAction =
  | { type: 'start'; durationMs: number; label?: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'add'; ms?: number }
  | { type: 'stop' }

/** Applies a timer action; does nothing (and logs nothing) when it does not apply. */
export function timerAct(doc: Y.Doc, actor: Actor, action: TimerAction, serverNow: number) {
  const map = facilitationMap(doc)
  doc.transact(() => {
    const current = readTimer(map.get('timer'))
    let next: TimerState
    switch (action.type) {
      case 'start':
        next = startTimer(action.durationMs, serverNow, action.label)
        break
      case 'pause':
        next = pauseTimer(current, serverNow)
        break
      case 'resume':
        next = resumeTimer(current, serverNow)
        break
      case 'add':
        next = addTime(current, action.ms ?? MINUTE_MS, serverNow)
        break
      case 'stop':
        next = current.status === 'idle' ? current : stopTimer()
        break
    }
    if (next === current) return
    map.set('timer', next)
    const durationMs =
      action.type === 'start'
        ? next.status !== 'idle'
          ? next.durationMs
          : undefined
        : action.type === 'add'
          ? (action.ms ?? MINUTE_MS)
          : undefined
    appendLog(doc, actor, { kind: `timer.${action.type}`, durationMs }, serverNow)
  })
}

// The agenda ----------------------------------------------------------------------------------

export function addAgendaItem(doc: Y.Doc, input: { title: string; minutes?: number | string; notes?: string }, id = randomId()): string {
  const fields = normalizeItem(input)
  doc.transact(() => agendaMap(doc).set(id, { ...fields, order: orderAtEnd(readAgenda(doc)) }))
  return id
}

export function updateAgendaItem(doc: Y.Doc, id: string, input: { title: string; minutes?: number | string; notes?: string }) {
  const fields = normalizeItem(input)
  const existing = readAgenda(doc).find((i) => i.id === id)
  if (!existing) throw new Error('That phase was removed')
  doc.transact(() => agendaMap(doc).set(id, { ...fields, order: existing.order }))
}

export function removeAgendaItem(doc: Y.Doc, id: string) {
  doc.transact(() => {
    agendaMap(doc).delete(id)
    if (readPhase(facilitationMap(doc).get('phase'))?.id === id) facilitationMap(doc).delete('phase')
  })
}

export function moveAgendaItem(doc: Y.Doc, id: string, direction: -1 | 1) {
  const items = readAgenda(doc)
  const order = orderForMove(items, id, direction)
  const item = items.find((i) => i.id === id)
  if (order === undefined || !item) return
  const { id: _id, ...fields } = item
  doc.transact(() => agendaMap(doc).set(id, { ...fields, order }))
}

/** Makes a phase current and, if it has a timebox, starts its timer (else stops the timer). */
export function startPhase(doc: Y.Doc, actor: Actor, id: string, serverNow: number) {
  const item = readAgenda(doc).find((i) => i.id === id)
  if (!item) throw new Error('That phase was removed')
  const map = facilitationMap(doc)
  doc.transact(() => {
    const entry = appendLog(
      doc,
      actor,
      { kind: 'phase.start', phaseId: id, phaseTitle: item.title, durationMs: item.minutes ? item.minutes * MINUTE_MS : undefined },
      serverNow,
    )
    map.set('phase', { id, startedAt: entry.at })
    map.set('timer', item.minutes ? startTimer(item.minutes * MINUTE_MS, serverNow, item.title) : stopTimer())
  })
}

export function endSession(doc: Y.Doc) {
  doc.transact(() => facilitationMap(doc).delete('phase'))
}

// Summon --------------------------------------------------------------------------------------

/** Summons travel by awareness; the log only remembers that one happened. */
export function logSummon(doc: Y.Doc, actor: Actor, serverNow: number) {
  doc.transact(() => appendLog(doc, actor, { kind: 'summon' }, serverNow))
}

// Raised hands ----------------------------------------------------------------------------------

/** Raises our hand (or, with `forBaton`, offers to take the baton); a hand already up keeps its place. */
export function raiseHand(doc: Y.Doc, actor: Actor, serverNow: number, { forBaton = false } = {}) {
  doc.transact(() => appendLog(doc, actor, { kind: 'hand.raise', forBaton: forBaton || undefined }, serverNow))
}

export function lowerHand(doc: Y.Doc, actor: Actor, serverNow: number) {
  doc.transact(() => appendLog(doc, actor, { kind: 'hand.lower' }, serverNow))
}

/** Lowers someone else's hand that was left up. */
export function removeHand(doc: Y.Doc, actor: Actor, whose: Actor, serverNow: number) {
  doc.transact(() => appendLog(doc, actor, { kind: 'hand.remove', to: whose.id, toName: whose.name }, serverNow))
}

/**
 * Calls the first person in the queue who is here, for the next turn; returns whom, or undefined
 * when nobody is waiting. A call racing another for the same turn is void (see turns.ts).
 */
export function callNext(doc: Y.Doc, actor: Actor, present: ReadonlySet<string>, serverNow: number): RaisedHand | undefined {
  const state = handsState(readLog(doc))
  const next = nextToCall(state.queue, present)
  if (next)
    doc.transact(() => appendLog(doc, actor, { kind: 'hand.call', to: next.id, toName: next.name, turn: state.turn + 1 }, serverNow))
  return next
}

/** The person called declines the turn. */
export function passTurn(doc: Y.Doc, actor: Actor, serverNow: number) {
  const { called } = handsState(readLog(doc))
  if (called?.id !== actor.id || called.passed) return
  doc.transact(() => appendLog(doc, actor, { kind: 'hand.pass', turn: called.turn }, serverNow))
}

// Go-around rounds ------------------------------------------------------------------------------

/** Starts a go-around with `order` (see roundOrder); does nothing while another is under way. */
export function startRound(
  doc: Y.Doc,
  actor: Actor,
  input: { prompt: string; minutesEach?: number | null; order: { id: string; name: string }[] },
  serverNow: number,
  roundId = randomId(),
): string | undefined {
  if (roundsState(readLog(doc)).active || input.order.length === 0) return undefined
  const durationMs = input.minutesEach && input.minutesEach > 0 ? Math.round(input.minutesEach * MINUTE_MS) : undefined
  doc.transact(() =>
    appendLog(doc, actor, { kind: 'round.start', roundId, prompt: input.prompt.trim(), durationMs, order: input.order }, serverNow),
  )
  return roundId
}

/**
 * Ends a turn (the speaker's "Done", anyone's "Skip", the timer, or its speaker having left):
 * `seen`, the turn the actor saw (default: the one under way here). If the round has moved on
 * since, the entry is void, so a late timer or a second click never ends the next person's turn.
 */
export function nextTurn(doc: Y.Doc, actor: Actor, reason: RoundTurnEnd, serverNow: number, seen?: { roundId: string; turn: number }) {
  const round = roundsState(readLog(doc)).active
  const at = seen ?? (round && { roundId: round.id, turn: round.current })
  if (!at) return
  const whose = round?.id === at.roundId ? round.turns[at.turn] : undefined
  doc.transact(() => appendLog(doc, actor, { kind: 'round.next', ...at, reason, to: whose?.id, toName: whose?.name }, serverNow))
}

/** A latecomer puts themselves at the end of the round under way. */
export function joinRound(doc: Y.Doc, actor: Actor, serverNow: number) {
  const round = roundsState(readLog(doc)).active
  if (!round || round.turns.some((t) => t.id === actor.id)) return
  doc.transact(() => appendLog(doc, actor, { kind: 'round.join', roundId: round.id }, serverNow))
}

export function endRound(doc: Y.Doc, actor: Actor, serverNow: number) {
  const round = roundsState(readLog(doc)).active
  if (round) doc.transact(() => appendLog(doc, actor, { kind: 'round.end', roundId: round.id }, serverNow))
}

// Presenting frames -----------------------------------------------------------------------------

/** Presents `frames` in this order; if someone else is presenting, this takes over (and says so in the log). */
export function startPresenting(
  doc: Y.Doc,
  actor: Actor,
  frames: PresentedFrame[],
  serverNow: number,
  id = randomId(),
): string | undefined {
  if (frames.length === 0) return undefined
  const current = presentationState(readLog(doc)).active
  const from = current && current.presenter.id !== actor.id ? current.presenter : undefined
  doc.transact(() =>
    appendLog(doc, actor, { kind: 'present.start', roundId: id, order: frames, to: from?.id, toName: from?.name }, serverNow),
  )
  return id
}

/** The presenter shows frame `index` (Next/Previous). */
export function showFrame(doc: Y.Doc, actor: Actor, index: number, serverNow: number) {
  const p = presentationState(readLog(doc)).active
  if (!p || p.presenter.id !== actor.id || index < 0 || index >= p.frames.length || index === p.index) return
  doc.transact(() => appendLog(doc, actor, { kind: 'present.step', roundId: p.id, turn: index, toName: p.frames[index].name }, serverNow))
}

/** Ends the presentation: its presenter stopping, or (`'away'`) someone's device seeing that the presenter left. */
export function stopPresenting(doc: Y.Doc, actor: Actor, serverNow: number, reason?: 'away') {
  const p = presentationState(readLog(doc)).active
  if (p) doc.transact(() => appendLog(doc, actor, { kind: 'present.end', roundId: p.id, reason }, serverNow))
}
