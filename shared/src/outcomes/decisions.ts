import * as Y from 'yjs'
import { OUTCOMES_KEY } from '../docKeys.ts'
import type { Actor } from '../facilitationDoc.ts'
import { shapeText } from '../export/richText.ts'
import { checkActor, isRecord, isString, isTime, MAX_NAME_LENGTH, OutcomeRuleError, shapeOnBoard } from './validate.ts'

/**
 * Notes marked as decisions or actions. An action has volunteers, never an assignee: people add
 * (and remove) only themselves. Every fact has its own key in the flat `outcomes` map, so
 * concurrent acts all land: two people volunteering at once, one setting a due date while
 * another ticks it done.
 *   kind:<shapeId>            {kind: 'decision' | 'action', by, at}
 *   due:<shapeId>             'YYYY-MM-DD'
 *   done:<shapeId>            {by, byName, at}
 *   vol:<shapeId>:<personId>  {name, at}
 */

export type OutcomeKind = 'decision' | 'action'

export interface Volunteer {
  id: string
  name: string
  at: number
}

export interface Outcome {
  shapeId: string
  kind: OutcomeKind
  /** The note's text now. */
  text: string
  markedAt: number
  /** Actions only. */
  volunteers: Volunteer[]
  due?: string
  done?: { by: string; byName: string; at: number }
}

export const outcomesMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(OUTCOMES_KEY)

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A due date as `YYYY-MM-DD`, a real day of the calendar. */
export function checkDueDate(value: unknown): string {
  const m = typeof value === 'string' ? DATE.exec(value) : null
  if (!m) throw new OutcomeRuleError('A due date is written YYYY-MM-DD')
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  if (y < 2000 || y > 2199 || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) throw new OutcomeRuleError(`${value} is not a day`)
  return value as string
}

const isDueDate = (v: unknown): v is string => {
  try {
    return !!checkDueDate(v)
  } catch {
    return false
  }
}

/**
 * Every decision and action whose note is on the board, oldest mark first. What a peer wrote
 * malformed, or about a shape that is gone, is left out.
 */
export function readOutcomes(doc: Y.Doc): Outcome[] {
  const byShape = new Map<string, Outcome>()
  const entries = [...outcomesMap(doc).entries()]
  for (const [key, v] of entries) {
    const shapeId = key.slice(5)
    const shape = shapeOnBoard(doc, shapeId)
    if (!key.startsWith('kind:') || !isRecord(v) || (v.kind !== 'decision' && v.kind !== 'action') || !isTime(v.at)) continue
    if (shape?.type !== 'note') continue
    byShape.set(shapeId, { shapeId, kind: v.kind, text: shapeText(shape.props), markedAt: v.at, volunteers: [] })
  }
  for (const [key, v] of entries) {
    const [field, shapeId, personId] = splitKey(key)
    const outcome = byShape.get(shapeId)
    if (outcome?.kind !== 'action') continue
    if (field === 'due' && isDueDate(v)) outcome.due = v
    else if (field === 'done' && isRecord(v) && typeof v.by === 'string' && isTime(v.at))
      outcome.done = { by: v.by, byName: isString(v.byName, MAX_NAME_LENGTH) ? v.byName : 'Someone', at: v.at }
    else if (field === 'vol' && personId && isRecord(v) && isString(v.name, MAX_NAME_LENGTH) && isTime(v.at))
      outcome.volunteers.push({ id: personId, name: v.name, at: v.at })
  }
  const outcomes = [...byShape.values()]
  for (const o of outcomes) o.volunteers.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
  return outcomes.sort((a, b) => a.markedAt - b.markedAt || (a.shapeId < b.shapeId ? -1 : 1))
}

/** `vol:shape:abc:p-ana` → ['vol', 'shape:abc', 'p-ana']: shape ids hold one colon, participant ids none. */
function splitKey(key: string): [string, string, string | undefined] {
  const [field, prefix, id, ...rest] = key.split(':')
  return [field, `${prefix}:${id}`, rest.length ? rest.join(':') : undefined]
}

function action(doc: Y.Doc, shapeId: string): void {
  const kind = outcomesMap(doc).get(`kind:${shapeId}`) as { kind?: unknown } | undefined
  if (!shapeOnBoard(doc, shapeId)) throw new OutcomeRuleError('That note is not on the board')
  if (kind?.kind !== 'action') throw new OutcomeRuleError('That note is not an action')
}

/** Marks a sticky note as a decision or an action, or unmarks it (`kind` undefined). Volunteers stay with the note. */
export function markOutcome(doc: Y.Doc, actor: Actor, shapeId: string, kind: OutcomeKind | undefined, serverNow: number) {
  const who = checkActor(actor)
  const shape = shapeOnBoard(doc, shapeId)
  if (!shape) throw new OutcomeRuleError('That note is not on the board (it was removed, or is a private draft)')
  if (shape.type !== 'note') throw new OutcomeRuleError('Only sticky notes can be decisions or actions')
  if (kind !== undefined && kind !== 'decision' && kind !== 'action') throw new OutcomeRuleError('A note is a decision or an action')
  const map = outcomesMap(doc)
  if ((map.get(`kind:${shapeId}`) as { kind?: unknown } | undefined)?.kind === kind) return
  if (kind) map.set(`kind:${shapeId}`, { kind, by: who.id, at: serverNow })
  else map.delete(`kind:${shapeId}`)
}

/** "I'll take it" (or, with `taking` false, "I'm out"): a person volunteers only themselves. */
export function volunteer(doc: Y.Doc, actor: Actor, shapeId: string, taking: boolean, serverNow: number) {
  const who = checkActor(actor)
  action(doc, shapeId)
  if (/:/.test(who.id)) throw new OutcomeRuleError('A participant id cannot hold a colon')
  const key = `vol:${shapeId}:${who.id}`
  if (taking === outcomesMap(doc).has(key)) return
  if (taking) outcomesMap(doc).set(key, { name: who.name, at: serverNow })
  else outcomesMap(doc).delete(key)
}

/** Sets the action's due date (`YYYY-MM-DD`), or clears it with null. */
export function setDueDate(doc: Y.Doc, shapeId: string, due: string | null) {
  action(doc, shapeId)
  if (due === null) outcomesMap(doc).delete(`due:${shapeId}`)
  else outcomesMap(doc).set(`due:${shapeId}`, checkDueDate(due))
}

/** Ticks an action done, or open again. */
export function setDone(doc: Y.Doc, actor: Actor, shapeId: string, done: boolean, serverNow: number) {
  const who = checkActor(actor)
  action(doc, shapeId)
  const key = `done:${shapeId}`
  if (done === outcomesMap(doc).has(key)) return
  if (done) outcomesMap(doc).set(key, { by: who.id, byName: who.name, at: serverNow })
  else outcomesMap(doc).delete(key)
}

/** Decisions and actions as the HTTP API answers them (`GET /api/boards/:id/actions`). */
export function outcomesJson(outcomes: readonly Outcome[]) {
  return {
    decisions: outcomes.filter((o) => o.kind === 'decision').map((o) => ({ shapeId: o.shapeId, text: o.text, markedAt: o.markedAt })),
    actions: outcomes
      .filter((o) => o.kind === 'action')
      .map((o) => ({
        shapeId: o.shapeId,
        text: o.text,
        volunteers: o.volunteers.map((v) => v.name),
        due: o.due ?? null,
        done: !!o.done,
        doneBy: o.done?.byName ?? null,
        doneAt: o.done ? new Date(o.done.at).toISOString() : null,
      })),
  }
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * A field a spreadsheet would run as a formula (= + - @, tab, carriage return first) is
 * prefixed with an apostrophe, so pasting a board's actions into a tracker runs nothing.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Decisions and actions as CSV, one row each: what a team pastes into its tracker. */
export function outcomesCsv(outcomes: readonly Outcome[]): string {
  const { decisions, actions } = outcomesJson(outcomes)
  const rows = [
    ['type', 'text', 'status', 'volunteers', 'due', 'done_by', 'done_at'],
    ...decisions.map((d) => ['decision', d.text, '', '', '', '', '']),
    ...actions.map((a) => [
      'action',
      a.text,
      a.done ? 'done' : 'open',
      a.volunteers.join('; '),
      a.due ?? '',
      a.doneBy ?? '',
      a.doneAt ?? '',
    ]),
  ]
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}
