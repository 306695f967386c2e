import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { testBoardDoc, T0 } from '../export/testBoard.ts'
import { boardRecords } from '../boardDoc.ts'
import {
  addComment,
  commentsMap,
  deleteComment,
  editComment,
  MAX_COMMENT_LENGTH,
  mentionParts,
  readThreads,
  setResolved,
} from './comments.ts'
import { checkDueDate, csvField, markOutcome, outcomesCsv, outcomesMap, readOutcomes, setDone, setDueDate, volunteer } from './decisions.ts'

const ana = { id: 'p-ana', name: 'Ana' }
const ben = { id: 'p-ben', name: 'Ben' }
const read = readOutcomes
/** Two replicas of one board, synced both ways by `sync()`. */
function pair() {
  const a = testBoardDoc()
  const b = new Y.Doc()
  const sync = () => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
  }
  sync()
  return { a, b, sync }
}

describe('comment threads', () => {
  it('are a shape’s comments oldest first, replies from two people at once both landing', () => {
    const { a, b, sync } = pair()
    addComment(a, ana, 'shape:loose', 'First', T0 + 100)
    sync()
    addComment(a, ana, 'shape:loose', 'Reply from Ana', T0 + 300)
    addComment(b, ben, 'shape:loose', 'Reply from Ben', T0 + 200)
    sync()
    for (const doc of [a, b])
      expect(
        readThreads(doc)
          .get('shape:loose')!
          .comments.map((c) => c.text),
      ).toEqual(['First', 'Reply from Ben', 'Reply from Ana'])
  })

  it('refuse empty, too long or control-character text and unknown shapes, writing nothing', () => {
    const doc = testBoardDoc()
    const before = Y.encodeStateAsUpdate(doc)
    expect(() => addComment(doc, ana, 'shape:v1', '   ', T0)).toThrow('Write something first')
    expect(() => addComment(doc, ana, 'shape:v1', 'x'.repeat(MAX_COMMENT_LENGTH + 1), T0)).toThrow(`at most ${MAX_COMMENT_LENGTH}`)
    expect(() => addComment(doc, ana, 'shape:v1', 'bell\u0007', T0)).toThrow('control characters')
    expect(() => addComment(doc, ana, 'shape:draft-only', 'hi', T0)).toThrow('not on the board')
    expect(() => addComment(doc, ana, 'page:workshop', 'hi', T0)).toThrow('not on the board')
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before)
  })

  it('let only the author edit or delete a comment, and anyone resolve or reopen; a new comment reopens', () => {
    const doc = testBoardDoc()
    const c = addComment(doc, ana, 'shape:v2', 'Typo', T0)
    expect(() => editComment(doc, ben, c.id, 'Hijacked', T0 + 1)).toThrow('Only its author')
    expect(() => deleteComment(doc, ben, c.id)).toThrow('Only its author')
    editComment(doc, ana, c.id, 'Fixed', T0 + 2)
    expect(readThreads(doc).get('shape:v2')!.comments[0]).toMatchObject({ text: 'Fixed', editedAt: T0 + 2, by: 'p-ana', byName: 'Ana' })
    setResolved(doc, ben, 'shape:v2', true, T0 + 3)
    expect(readThreads(doc).get('shape:v2')!.status).toMatchObject({ resolved: true, byName: 'Ben' })
    addComment(doc, ben, 'shape:v2', 'Actually, one more thing', T0 + 4)
    expect(readThreads(doc).get('shape:v2')!.status?.resolved).toBe(false)
    deleteComment(doc, ana, c.id)
    expect(
      readThreads(doc)
        .get('shape:v2')!
        .comments.map((x) => x.text),
    ).toEqual(['Actually, one more thing'])
    expect(() => setResolved(doc, ana, 'shape:loose', true, T0)).toThrow('no comments')
  })

  it('are signed on a note published anonymously (only the note is anonymous)', () => {
    const doc = testBoardDoc()
    const anonymous = { ...boardRecords(doc).get('shape:loose')!, meta: {} }
    boardRecords(doc).set('shape:loose', anonymous)
    addComment(doc, ben, 'shape:loose', 'Who wrote this? Good point', T0)
    expect(readThreads(doc).get('shape:loose')!.comments[0]).toMatchObject({ by: 'p-ben', byName: 'Ben' })
  })

  it('leave out what a peer wrote malformed', () => {
    const doc = testBoardDoc()
    commentsMap(doc).set('bad1', { shapeId: 'shape:v1', by: 'p-x', at: 'yesterday', text: 'x', byName: 'X' })
    commentsMap(doc).set('bad2', 'just a string')
    commentsMap(doc).set('bad3', { shapeId: 'shape:v1', by: 'p-x', at: 1, text: 'x'.repeat(MAX_COMMENT_LENGTH + 1), byName: 'X' })
    expect(
      readThreads(doc)
        .get('shape:v1')!
        .comments.map((c) => c.id),
    ).toEqual(['c1', 'c2'])
  })

  it('find @mentions of people on the board: longest name, any case, whole names only', () => {
    const names = ['Ana', 'Ana Lu', 'Ben']
    expect(mentionParts('@ana lu and @Ben, not @Anabel or me@Ben', names)).toEqual([
      { text: '@ana lu', mention: 'Ana Lu' },
      { text: ' and ' },
      { text: '@Ben', mention: 'Ben' },
      { text: ', not @Anabel or me@Ben' },
    ])
    expect(mentionParts('no mentions', names)).toEqual([{ text: 'no mentions' }])
  })
})

describe('decisions and actions', () => {
  it('mark only sticky notes on the board', () => {
    const doc = testBoardDoc()
    expect(() => markOutcome(doc, ana, 'shape:title', 'decision', T0)).toThrow('Only sticky notes')
    expect(() => markOutcome(doc, ana, 'shape:nope', 'action', T0)).toThrow('not on the board')
    expect(() => markOutcome(doc, ana, 'shape:v1', 'wish' as never, T0)).toThrow('a decision or an action')
    markOutcome(doc, ana, 'shape:v1', 'decision', T0)
    expect(read(doc).find((o) => o.shapeId === 'shape:v1')).toMatchObject({ kind: 'decision', text: 'Ship every week' })
    markOutcome(doc, ana, 'shape:v1', undefined, T0)
    expect(read(doc).find((o) => o.shapeId === 'shape:v1')).toBeUndefined()
  })

  it('take volunteers, never an assignee: each adds or removes only themselves, concurrently', () => {
    const { a, b, sync } = pair()
    markOutcome(a, ana, 'shape:loose', 'action', T0)
    sync()
    volunteer(a, ana, 'shape:loose', true, T0 + 1)
    volunteer(b, ben, 'shape:loose', true, T0 + 2)
    sync()
    expect(
      read(b)
        .find((o) => o.shapeId === 'shape:loose')!
        .volunteers.map((v) => v.name),
    ).toEqual(['Ana', 'Ben'])
    volunteer(a, ana, 'shape:loose', false, T0 + 3)
    expect(
      read(a)
        .find((o) => o.shapeId === 'shape:loose')!
        .volunteers.map((v) => v.name),
    ).toEqual(['Ben'])
    expect(() => volunteer(a, ana, 'shape:v2', true, T0)).toThrow('not an action')
  })

  it('keep a due date and done ticked at once by two people, and refuse a date that is not a day', () => {
    const { a, b, sync } = pair()
    setDueDate(a, 'shape:d1', '2025-04-01')
    setDone(b, ben, 'shape:d1', true, T0 + 5)
    sync()
    expect(read(a).find((o) => o.shapeId === 'shape:d1')).toMatchObject({ due: '2025-04-01', done: { byName: 'Ben', at: T0 + 5 } })
    const before = Y.encodeStateAsUpdate(a)
    for (const bad of ['2025-02-30', '01/04/2025', '2025-4-1', '1899-01-01', ''])
      expect(() => setDueDate(a, 'shape:d1', bad), bad).toThrow(/YYYY-MM-DD|not a day/)
    expect(() => setDone(a, ana, 'shape:v2', true, T0)).toThrow('not an action')
    expect(Y.encodeStateAsUpdate(a)).toEqual(before)
    expect(checkDueDate('2028-02-29')).toBe('2028-02-29')
  })

  it('leave out notes since removed and what a peer wrote malformed', () => {
    const doc = testBoardDoc()
    outcomesMap(doc).set('kind:shape:v1', { kind: 'assignment', at: T0 })
    outcomesMap(doc).set('due:shape:d1', 'soon')
    outcomesMap(doc).set('vol:shape:d1:p-x', { name: 42, at: T0 })
    boardRecords(doc).delete('shape:r1')
    const outcomes = read(doc)
    expect(outcomes.map((o) => [o.shapeId, o.kind, o.due, o.volunteers.map((v) => v.name)])).toEqual([
      ['shape:v2', 'decision', undefined, []],
      ['shape:d1', 'action', undefined, ['Cem', 'Ben']],
    ])
  })
})

describe('CSV of decisions and actions', () => {
  it('quotes commas, quotes and line breaks, and defuses what a spreadsheet would run', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a, b')).toBe('"a, b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvField('@SUM(A1)')).toBe(`'@SUM(A1)`)
    expect(csvField('-1')).toBe(`'-1`)
  })

  it('has one row per decision and action with volunteers, due date and who ticked it', () => {
    expect(outcomesCsv(read(testBoardDoc()))).toBe(
      [
        'type,text,status,volunteers,due,done_by,done_at',
        'decision,Customers *love* the new onboarding,,,,,',
        'action,Automate the pipeline,open,Cem; Ben,2025-03-28,,',
        'action,Key person leaves,done,,,Ana,2025-03-14T09:42:00.000Z',
        '',
      ].join('\r\n'),
    )
  })
})
