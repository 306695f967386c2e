import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildReport, mdEscape, reportInputFromDoc } from './report.ts'
import { T0, testBoardDoc } from './testBoard.ts'

const GOLDEN = path.join(import.meta.dirname, 'testdata/report.golden.md')

describe('Markdown session report', () => {
  it('for a fixed board equals the reviewed golden file', () => {
    const input = reportInputFromDoc(testBoardDoc(), T0 + 45 * 60_000, {
      voteTotals: { 'shape:v2': 3, 'shape:v1': 1, 'shape:d2': 2 },
    })
    const report = buildReport(input)
    // UPDATE_GOLDEN=1 rewrites the file; review the diff before committing it.
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, report)
    expect(report).toBe(fs.readFileSync(GOLDEN, 'utf8'))
  })

  it('keeps reading order and shows no vote counts before a vote, and leaves out empty sections', () => {
    const report = buildReport({ ...reportInputFromDoc(testBoardDoc(), T0 + 45 * 60_000), agenda: [], log: [] })
    expect(report).not.toMatch(/vote/)
    expect(report).not.toMatch(/## Agenda|## Leadership timeline/)
    expect(report.indexOf('Ship every week')).toBeLessThan(report.indexOf('Customers'))
  })

  it('escapes Markdown so notes read as they were written', () => {
    expect(mdEscape('# title')).toBe('\\# title')
    expect(mdEscape('a *b* [c](d)')).toBe('a \\*b\\* \\[c\\](d)')
    expect(mdEscape('1. first')).toBe('1\\. first')
  })
})
