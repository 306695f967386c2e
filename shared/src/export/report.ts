import type * as Y from 'yjs'
import { readMeta, boardRecords, type JsonRecord } from '../boardDoc.ts'
import { notesByFrame } from '../clustering.ts'
import { boardParticipants, type ParticipantInfo } from '../participation.ts'
import { readAgenda, readLog } from '../facilitationDoc.ts'
import type { AgendaItem } from '../facilitation/agenda.ts'
import { batonHolder, describeEntry, leadershipTimeline, type LogEntry } from '../facilitation/log.ts'
import { turnTakingActs } from '../facilitation/turns.ts'
import { formatSpoken, roundsState, roundSummary, type SpokenTurn } from '../facilitation/rounds.ts'

const OUTCOME_WORDS: Record<SpokenTurn['outcome'], string> = {
  done: 'spoke',
  timeout: 'spoke',
  ended: 'spoke',
  skip: 'skipped',
  away: 'away',
  'not reached': 'not reached',
}
import { shapeText } from './richText.ts'
import { pageIdOf } from '../shapeTree.ts'
import { votesMap } from '../privacy/brainstorm.ts'
import type { VoteState } from '../privacy/voting.ts'
import { isResolved, readThreads, type Thread } from '../outcomes/comments.ts'
import { readOutcomes, type Outcome } from '../outcomes/decisions.ts'

/**
 * The Markdown session report: what a group takes to its wiki. Built from plain records and
 * doc state so the browser and the server write the same report.
 */
export interface ReportInput {
  title: string
  /** The time the report is of (see sessionTime): its date, and the timeline's open stretch ends here. */
  now: number
  /** IANA time zone for dates and times (the server uses UTC). */
  timeZone?: string
  participants: readonly (ParticipantInfo & { id: string })[]
  records: readonly JsonRecord[]
  agenda?: readonly AgendaItem[]
  log?: readonly LogEntry[]
  /** Published vote totals by shape id, once the group has voted. */
  voteTotals?: Readonly<Record<string, number>>
  /** Comment threads by shape id. */
  threads?: ReadonlyMap<string, Thread>
  /** Notes marked as decisions or actions. */
  outcomes?: readonly Outcome[]
}

/**
 * Vote totals per note from the votes the group closed: for a note in several votes, the last
 * one closed counts. Undefined before any vote closed (open votes' live totals are interim).
 */
export function closedVoteTotals(doc: Y.Doc): Record<string, number> | undefined {
  const closed = Object.values(votesMap(doc).toJSON() as Record<string, Partial<VoteState>>)
    .filter((v) => v?.status === 'closed' && v.totals && typeof v.totals === 'object')
    .sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0))
  if (closed.length === 0) return undefined
  const totals: Record<string, number> = {}
  for (const vote of closed) for (const [id, n] of Object.entries(vote.totals!)) if (typeof n === 'number') totals[id] = n
  return totals
}

/**
 * When the session on a board last did something: its last session-log entry, else when the
 * board was created. A report is dated by it, not by when it is exported.
 */
export function sessionTime(doc: Y.Doc): number | undefined {
  const log = readLog(doc)
  if (log.length) return log[log.length - 1].at
  const createdAt = readMeta(doc).createdAt
  return typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt : undefined
}

/** `now` defaults to the session's time (see sessionTime); a snapshot's report passes when it was taken. */
export function reportInputFromDoc(
  doc: Y.Doc,
  now?: number,
  extra: { timeZone?: string; voteTotals?: Record<string, number> } = {},
): ReportInput {
  now ??= sessionTime(doc) ?? Date.now()
  const meta = readMeta(doc)
  const participants = Object.entries(boardParticipants(doc).toJSON() as Record<string, ParticipantInfo>).map(([id, p]) => ({ ...p, id }))
  const records = [...boardRecords(doc).map.values()].map((e) => e.val)
  return {
    title: meta.title?.trim() || 'Untitled board',
    now,
    participants,
    records,
    threads: readThreads(doc),
    outcomes: readOutcomes(doc),
    agenda: readAgenda(doc),
    log: readLog(doc),
    voteTotals: closedVoteTotals(doc),
    ...extra,
  }
}

/** Escapes what Markdown would otherwise treat as formatting, so notes read as written. */
export function mdEscape(text: string): string {
  return (
    text
      .replace(/([\\`*_[\]<>|~])/g, '\\$1')
      // An entity (&amp; &#38;) would show as the character it names.
      .replace(/&(?=#?\w+;)/g, '\\&')
      // At a line's start: a heading (#), a bullet (+ -) or a setext underline (= -).
      .replace(/^(\s*)([#+=-])/gm, '$1\\$2')
      // An ordered list item: "1." or "1)".
      .replace(/^(\s*)(\d+)([.)])/gm, '$1$2\\$3')
  )
}

/** For headings and one-line items: a line break inside would end them early. */
const inline = (text: string) => mdEscape(text.replace(/\s+/g, ' ').trim())

/** A list item whose continuation lines stay inside the item. */
function item(text: string, suffix = ''): string {
  const lines = mdEscape(text || '(empty)').split('\n')
  return (
    `- ${lines[0]}${lines.length === 1 ? suffix : ''}` +
    lines
      .slice(1)
      .map((l, i) => `  \n  ${l}${i === lines.length - 2 ? suffix : ''}`)
      .join('')
  )
}

function formatters(timeZone: string) {
  const date = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' })
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' })
  const year = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric' })
  return {
    date: (ms: number) => date.format(ms),
    time: (ms: number) => time.format(ms),
    /** Times for a stretch from `from` to `to`: with the day when it crosses days, and the year when it crosses years. */
    stamps(from: number, to: number): (ms: number) => string {
      if (date.format(from) === date.format(to)) return (ms) => time.format(ms)
      const withYear = year.format(from) !== year.format(to)
      return (ms) => `${day.format(ms)}${withYear ? ` ${year.format(ms)}` : ''} ${time.format(ms)}`
    },
  }
}

/** A thread as list items nested under its shape's item: each comment with its author and time, then whether it is resolved. */
function threadLines(thread: Thread, stamp: (ms: number) => string): string[] {
  const lines = thread.comments.map(
    (c) =>
      `  ${item(c.text)
        .replace(/^- /, `- **${inline(c.byName)}**, ${stamp(c.at)}: `)
        .replace(/\n {2}/g, '\n    ')}`,
  )
  if (isResolved(thread)) lines.push(`  - *resolved by ${inline(thread.status!.byName)}*`)
  return lines
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function buildReport(input: ReportInput): string {
  const timeZone = input.timeZone ?? 'UTC'
  const fmt = formatters(timeZone)
  const out: string[] = []
  const section = (heading: string, lines: string[]) => {
    if (lines.length) out.push('', `## ${heading}`, '', ...lines)
  }

  out.push(`# ${inline(input.title)}`, '', `Session report, ${fmt.date(input.now)} (times in ${timeZone === 'UTC' ? 'UTC' : timeZone}).`)

  const people = [...input.participants].sort((a, b) => a.firstSeen - b.firstSeen || a.id.localeCompare(b.id))
  section(
    'Who took part',
    people.map((p) => item(p.name)),
  )

  const log = input.log ?? []
  const first = log.reduce((min, e) => Math.min(min, e.at), input.now)
  const stamp = fmt.stamps(first, input.now)
  const phaseStarts = new Map<string, number>()
  for (const e of log) if (e.kind === 'phase.start' && e.phaseId && !phaseStarts.has(e.phaseId)) phaseStarts.set(e.phaseId, e.at)
  section(
    'Agenda',
    (input.agenda ?? []).map((a, i) => {
      const details = [a.minutes ? `${a.minutes} min` : '', phaseStarts.has(a.id) ? `started ${stamp(phaseStarts.get(a.id)!)}` : ''].filter(
        Boolean,
      )
      const notes = a.notes ? `  \n   ${mdEscape(a.notes).replace(/\n/g, '  \n   ')}` : ''
      return `${i + 1}. ${inline(a.title)}${details.length ? ` (${details.join(', ')})` : ''}${notes}`
    }),
  )

  const outcomes = input.outcomes ?? []
  section(
    'Decisions',
    outcomes.filter((o) => o.kind === 'decision').map((o) => item(o.text)),
  )
  section(
    'Actions',
    outcomes
      .filter((o) => o.kind === 'action')
      .map((o) => {
        const details = [
          o.volunteers.length ? `volunteers: ${o.volunteers.map((v) => inline(v.name)).join(', ')}` : 'no volunteer yet',
          o.due ? `due ${o.due}` : '',
          o.done ? `done by ${inline(o.done.byName)}` : '',
        ].filter(Boolean)
        return item(o.text, ` (${details.join('; ')})`).replace(/^- /, o.done ? '- [x] ' : '- [ ] ')
      }),
  )

  // A thread is told under its shape's line; what is left (threads on frames, drawings, removed shapes) gets a section of its own.
  const threads = new Map(input.threads ?? [])
  const withThread = (id: string, line: string): string => {
    const thread = threads.get(id)
    if (!thread) return line
    threads.delete(id)
    return [line, ...threadLines(thread, stamp)].join('\n')
  }

  const shapes = input.records.filter((r) => r.typeName === 'shape') as (JsonRecord & {
    type?: string
    parentId?: string
    props?: unknown
  })[]
  const byId = new Map(shapes.map((s) => [s.id, s]))
  const pages = input.records.filter((r) => r.typeName === 'page').sort((a, b) => String(a.index).localeCompare(String(b.index)))
  const pageOf = (s: { parentId?: string }) => pageIdOf(byId, s)
  const votes = input.voteTotals
  const noteLines = (pageShapes: typeof shapes): string[] => {
    const lines: string[] = []
    for (const group of notesByFrame(pageShapes, shapeText)) {
      // Only notes in a closed vote have a count; the others follow them, in reading order.
      let notes = group.ids.map((id, i) => ({ id, text: group.notes[i], votes: votes?.[id] }))
      if (votes) notes = notes.map((n, i) => ({ ...n, i })).sort((a, b) => (b.votes ?? -1) - (a.votes ?? -1) || a.i - b.i)
      const heading = group.path.length ? group.path.map((p) => inline(p) || 'Untitled frame').join(' › ') : 'Not in a frame'
      lines.push(
        `### ${heading}`,
        '',
        ...notes.map((n) => withThread(n.id, item(n.text, n.votes === undefined ? '' : ` (${plural(n.votes, 'vote')})`))),
        '',
      )
    }
    lines.pop()
    return lines
  }
  // Text shapes and the labels written on geo shapes (rectangles, ellipses…).
  const textLines = (pageShapes: typeof shapes) =>
    pageShapes
      .filter((s) => (s.type === 'text' || s.type === 'geo') && shapeText(s.props))
      .map((s) => withThread(s.id, item(shapeText(s.props))))

  const label = (id: string | undefined): string | undefined => {
    const s = id ? byId.get(id) : undefined
    if (!s) return undefined
    const text = s.type === 'frame' ? String((s.props as { name?: unknown })?.name ?? '') : shapeText(s.props)
    return text ? `“${inline(text)}”` : `a ${s.type}`
  }
  const ends = new Map<string, { start?: string; end?: string }>()
  for (const b of input.records) {
    if (b.typeName !== 'binding' || b.type !== 'arrow') continue
    const terminal = (b.props as { terminal?: string })?.terminal
    const e = ends.get(String(b.fromId)) ?? {}
    if (terminal === 'start') e.start = String(b.toId)
    else if (terminal === 'end') e.end = String(b.toId)
    ends.set(String(b.fromId), e)
  }
  const arrowLines = (pageShapes: typeof shapes) =>
    pageShapes
      .filter((s) => s.type === 'arrow')
      .flatMap((s) => {
        const text = shapeText(s.props)
        const from = label(ends.get(s.id)?.start)
        const to = label(ends.get(s.id)?.end)
        if (!text) return []
        return [withThread(s.id, item(text, from || to ? ` (${from ?? 'unconnected'} → ${to ?? 'unconnected'})` : ''))]
      })

  const pageIds = pages.length ? pages.map((p) => p.id) : [...new Set(shapes.map(pageOf).filter((id) => id !== undefined))]
  const multiPage = pageIds.length > 1
  for (const pageId of pageIds) {
    const pageShapes = shapes.filter((s) => pageOf(s) === pageId)
    const prefix = multiPage ? `${inline(String(pages.find((p) => p.id === pageId)?.name ?? '')) || 'Page'}: ` : ''
    section(`${prefix}Notes`, noteLines(pageShapes))
    section(`${prefix}Text`, textLines(pageShapes))
    section(`${prefix}Arrows`, arrowLines(pageShapes))
  }

  section(
    'Other comments',
    [...threads.values()].flatMap((thread) => {
      const on = byId.has(thread.shapeId) ? `On ${label(thread.shapeId)}` : 'On a removed note'
      // A removed note's thread stays until someone resolves it: then nothing is left to discuss.
      if (!byId.has(thread.shapeId) && isResolved(thread)) return []
      return [`- ${on}`, ...threadLines(thread, stamp)]
    }),
  )

  const spoke = (t: SpokenTurn) =>
    t.spokeMs !== undefined ? `${inline(t.name)} ${formatSpoken(t.spokeMs)}` : `${inline(t.name)} ${OUTCOME_WORDS[t.outcome]}`
  section(
    'Go-arounds',
    roundsState(log).rounds.map(
      (r) => `- ${stamp(r.startedAt)} ${r.prompt ? `“${inline(r.prompt)}”` : 'Go-around'}: ${roundSummary(r).map(spoke).join(', ')}`,
    ),
  )
  section(
    'Turn-taking',
    turnTakingActs(log).map((e) => `- ${stamp(e.at)}: ${inline(describeEntry(e))}`),
  )

  // Up to the report's time; someone who took the baton just then still shows.
  const timeline = (log.length ? leadershipTimeline(log, input.now) : []).filter((s) => s.end > s.start)
  const holder = batonHolder(log)
  const lines = timeline.map(
    (s) => `- ${stamp(s.start)}–${stamp(s.end)}: ${s.holder ? `${inline(s.holder.name)} led` : 'nobody held the baton'}`,
  )
  if (holder && timeline.at(-1)?.holder?.id !== holder.id) lines.push(`- from ${stamp(holder.since)}: ${inline(holder.name)} led`)
  section('Leadership timeline', lines)
  return out.join('\n') + '\n'
}
