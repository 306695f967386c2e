import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildReport, closedVoteTotals, mdEscape, reportInputFromDoc, sessionTime } from './report.ts'
import { boardMeta } from '../boardDoc.ts'
import { sessionLog } from '../facilitationDoc.ts'
import type { LogEntry } from '../facilitation/log.ts'
import { votesMap } from '../privacy/brainstorm.ts'
import { T0, testBoardDoc } from './testBoard.ts'

const GOLDEN = path.join(import.meta.dirname, 'testdata/report.golden.md')

/** A shape record at the origin, as tldraw stores it. */
const shape = (id: string, type: string, parentId: string, props: object = {}) => ({
  id,
  typeName: 'shape',
  type,
  parentId,
  x: 0,
  y: 0,
  props,
})

describe('Markdown session report', () => {
  it('for a fixed board equals the reviewed golden file', () => {
    // Ranked by the closed vote's published totals; the still-open vote is left out. Dated by
    // the session (its last log entry), whenever the test runs.
    const input = reportInputFromDoc(testBoardDoc())
    const report = buildReport(input)
    // UPDATE_GOLDEN=1 rewrites the file; review the diff before committing it.
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, report)
    expect(report).toBe(fs.readFileSync(GOLDEN, 'utf8'))
  })

  it('keeps reading order and shows no vote counts before a vote, and leaves out empty sections', () => {
    const input = reportInputFromDoc(testBoardDoc(), T0 + 45 * 60_000)
    const report = buildReport({ ...input, agenda: [], log: [], voteTotals: undefined, outcomes: [], threads: undefined })
    expect(report).not.toMatch(/vote/)
    expect(report).not.toMatch(/## Agenda|## Leadership timeline|## Decisions|## Actions|comments/)
    expect(report.indexOf('Ship every week')).toBeLessThan(report.indexOf('Customers'))
  })

  it('is dated by the session: its last log entry, else when the board was created', () => {
    const doc = testBoardDoc()
    expect(sessionTime(doc)).toBe(T0 + 30 * 60_000)
    expect(reportInputFromDoc(doc).now).toBe(T0 + 30 * 60_000)
    sessionLog(doc).delete(0, sessionLog(doc).length)
    expect(sessionTime(doc)).toBe(T0 - 60 * 60_000)
    boardMeta(doc).delete('createdAt')
    expect(sessionTime(doc)).toBeUndefined()
  })

  it('shows dates in the timeline when it crosses days, and who still holds the baton at the end', () => {
    const at = (day: number, h: number, m: number) => Date.UTC(2025, 2, day, h, m)
    const log: LogEntry[] = [
      { id: 'a', kind: 'baton.take', at: at(14, 23, 50), by: 'p-ana', byName: 'Ana' },
      { id: 'b', kind: 'baton.take', at: at(15, 0, 20), by: 'p-ben', byName: 'Ben' },
    ]
    const report = buildReport({ title: 'Night shift', now: at(15, 0, 20), participants: [], records: [], log })
    expect(report).toContain('Session report, 15 March 2025')
    expect(report).toContain('## Leadership timeline\n\n- 14 Mar 23:50–15 Mar 00:20: Ana led\n- from 15 Mar 00:20: Ben led\n')
    const sameDay = buildReport({ title: 'Day', now: at(14, 23, 59), participants: [], records: [], log: log.slice(0, 1) })
    expect(sameDay).toContain('- 23:50–23:59: Ana led\n')
    // Across years (a snapshot taken long after), with the year.
    const later = buildReport({ title: 'Old', now: Date.UTC(2026, 11, 1, 12, 0), participants: [], records: [], log: log.slice(0, 1) })
    expect(later).toContain('- 14 Mar 2025 23:50–1 Dec 2026 12:00: Ana led\n')
  })

  it('tells the turn-taking: hands raised, who was called, passes; a call that lost a race is left out', () => {
    const at = (m: number) => Date.UTC(2025, 2, 14, 10, m)
    const log: LogEntry[] = [
      { id: 'a', kind: 'hand.raise', at: at(0), by: 'p-ana', byName: 'Ana' },
      { id: 'b', kind: 'hand.raise', at: at(1), by: 'p-ben', byName: 'Ben', forBaton: true },
      { id: 'c', kind: 'hand.call', at: at(2), by: 'p-cy', byName: 'Cy', to: 'p-ana', toName: 'Ana', turn: 1 },
      { id: 'd', kind: 'hand.call', at: at(2), by: 'p-dee', byName: 'Dee', to: 'p-ana', toName: 'Ana', turn: 1 },
      { id: 'e', kind: 'hand.pass', at: at(3), by: 'p-ana', byName: 'Ana', turn: 1 },
      { id: 'f', kind: 'hand.remove', at: at(4), by: 'p-cy', byName: 'Cy', to: 'p-ben', toName: 'Ben *B*' },
    ]
    const report = buildReport({ title: 'Turns', now: at(5), participants: [], records: [], log })
    expect(report).toContain(
      '## Turn-taking\n\n- 10:00: Ana raised a hand\n- 10:01: Ben raised a hand to take the baton\n- 10:02: Cy called on Ana\n' +
        '- 10:03: Ana passed\n- 10:04: Cy lowered Ben \\*B\\*’s hand\n',
    )
  })

  it('sums up each go-around: who spoke and for how long (whole seconds), who was skipped', () => {
    const at = (m: number, s = 0) => Date.UTC(2025, 2, 14, 10, m, s)
    const order = [
      { id: 'p-ana', name: 'Ana' },
      { id: 'p-ben', name: 'Ben' },
      { id: 'p-cy', name: 'Cy' },
    ]
    const log: LogEntry[] = [
      { id: 'a', kind: 'round.start', at: at(0), by: 'p-ana', byName: 'Ana', roundId: 'R', prompt: 'One word', order },
      { id: 'b', kind: 'round.next', at: at(0, 42) + 999, by: 'p-ana', byName: 'Ana', roundId: 'R', turn: 0, reason: 'done' },
      { id: 'c', kind: 'round.next', at: at(0, 50), by: 'p-cy', byName: 'Cy', roundId: 'R', turn: 1, reason: 'skip', toName: 'Ben' },
      { id: 'd', kind: 'round.end', at: at(2), by: 'p-cy', byName: 'Cy', roundId: 'R' },
    ]
    const report = buildReport({ title: 'Rounds', now: at(5), participants: [], records: [], log })
    expect(report).toContain('## Go-arounds\n\n- 10:00 “One word”: Ana 0:42, Ben skipped, Cy 1:10\n')
    expect(report).toContain('- 10:00: Cy skipped Ben\n- 10:02: Cy ended the go-around\n')
  })

  it('takes vote totals from closed votes only, the last closed vote winning for a note', () => {
    const doc = testBoardDoc()
    expect(closedVoteTotals(doc)).toMatchObject({ 'shape:v2': 3, 'shape:d1': 0 })
    votesMap(doc).set('vote-3', {
      id: 'vote-3',
      status: 'closed',
      closedAt: T0 + 50 * 60_000,
      shapeIds: ['shape:d1'],
      totals: { 'shape:d1': 4 },
    })
    expect(closedVoteTotals(doc)).toMatchObject({ 'shape:v2': 3, 'shape:d1': 4 })
    votesMap(doc).clear()
    expect(closedVoteTotals(doc)).toBeUndefined()
  })

  it('escapes Markdown so notes read as they were written', () => {
    expect(mdEscape('# title')).toBe('\\# title')
    expect(mdEscape('a *b* [c](d)')).toBe('a \\*b\\* \\[c\\](d)')
    expect(mdEscape('1. first')).toBe('1\\. first')
    // Setext headings, "1)" lists, entities, a lone "#".
    expect(mdEscape('Ideas\n---')).toBe('Ideas\n\\---')
    expect(mdEscape('Ideas\n===')).toBe('Ideas\n\\===')
    expect(mdEscape('1) first\n  2) second')).toBe('1\\) first\n  2\\) second')
    expect(mdEscape('&amp; &#38; &#x26; R&D')).toBe('\\&amp; \\&#38; \\&#x26; R&D')
    expect(mdEscape('#')).toBe('\\#')
    expect(mdEscape('-')).toBe('\\-')
  })

  it('keeps headings on one line, counts votes only for notes in a closed vote, and reports labels on shapes', () => {
    const input = reportInputFromDoc(testBoardDoc(), T0 + 45 * 60_000)
    const frame = shape('shape:multi', 'frame', 'page:workshop', { name: 'Two\nlines' })
    const later = shape('shape:later', 'note', 'shape:risks', {
      richText: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Added after the vote' }] }] },
    })
    const label = (text: string) => ({ richText: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] } })
    const geo = shape('shape:box', 'geo', 'page:workshop', label('Parking lot'))
    const inFrame = shape('shape:n', 'note', 'shape:multi', label('x'))
    const report = buildReport({ ...input, title: 'Q2\nplanning', records: [...input.records, frame, later, geo, inFrame] })
    expect(report).toMatch(/^# Q2 planning\n/)
    expect(report).toContain('### Two lines\n')
    expect(report).toContain('- Key person leaves (0 votes)\n- Added after the vote\n')
    expect(report).toMatch(/## Text\n\n(- .*\n)*- Parking lot\n/)
  })

  it('reports a board whose shapes form a parent cycle or nest deeper than the stack, leaving the cycle out', () => {
    const input = reportInputFromDoc(testBoardDoc(), T0 + 45 * 60_000)
    const cyclic = [
      shape('shape:f1', 'frame', 'shape:f2', { name: 'one' }),
      shape('shape:f2', 'frame', 'shape:f1', { name: 'two' }),
      shape('shape:n', 'note', 'shape:f1', { text: 'lost in a loop' }),
    ]
    let rich: object = { type: 'text', text: 'deep' }
    for (let i = 0; i < 20_000; i++) rich = { type: 'paragraph', content: [rich] }
    const deepText = shape('shape:deep', 'text', 'page:page', { richText: { type: 'doc', content: [rich] } })
    const report = buildReport({ ...input, records: [...input.records, ...cyclic, deepText] })
    expect(report).toContain('Ship every week')
    expect(report).not.toContain('lost in a loop')
  })
})
