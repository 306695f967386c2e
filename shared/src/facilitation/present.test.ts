import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ann, bob, cat, entryMaker, syncDocs } from './testLog.ts'
import { describeEntry } from './log.ts'
import { moveFrame, moveFrameTo, presentationState, readingOrder } from './present.ts'
import { readLog, showFrame, startPresenting, stopPresenting } from '../facilitationDoc.ts'
import { turnTakingActs } from './turns.ts'

const e = entryMaker('p', { roundId: 'P' })
const frames = [
  { id: 'f1', name: 'Now' },
  { id: 'f2', name: 'Next' },
  { id: 'f3', name: 'Later' },
]

describe('presentation order', () => {
  const box = (id: string, x: number, y: number, w = 100, h = 100) => ({ id, name: id, x, y, w, h })

  it('reads rows top to bottom, each left to right, though a row is a little crooked', () => {
    const order = readingOrder([box('c', 240, 10), box('a', 0, 0), box('b', 120, 30), box('d', 0, 200), box('e', 130, 180)])
    expect(order.map((f) => f.id)).toEqual(['a', 'b', 'c', 'd', 'e'])
    // A frame whose top is below the middle of the row's first frame starts a new row.
    expect(readingOrder([box('low', 0, 60), box('high', 200, 0)]).map((f) => f.id)).toEqual(['high', 'low'])
  })

  it('the presenter moves frames up and down; the ends stay put', () => {
    expect(moveFrame(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveFrame(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
    expect(moveFrame(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c'])
  })

  it('a frame dragged to another place moves there; the others keep their order', () => {
    expect(moveFrameTo(['a', 'b', 'c', 'd'], 3, 1)).toEqual(['a', 'd', 'b', 'c'])
    expect(moveFrameTo(['a', 'b', 'c', 'd'], 0, 3)).toEqual(['b', 'c', 'd', 'a'])
    expect(moveFrameTo(['a', 'b'], 0, 5)).toEqual(['a', 'b'])
  })
})

describe('presentations', () => {
  it('only the presenter moves it, within its frames; anyone may end it', () => {
    const log = [
      e('present.start', 'ann', 0, { order: frames }),
      e('present.step', 'ann', 1, { turn: 2 }),
      e('present.step', 'bob', 2, { turn: 0 }),
      e('present.step', 'ann', 3, { turn: 7 }),
    ]
    const state = presentationState(log)
    expect(state.active).toMatchObject({ id: 'P', presenter: { id: 'ann', name: 'ANN' }, index: 2 })
    expect(state.voided).toEqual(new Set([log[2].id, log[3].id]))
    expect(presentationState([...log, e('present.end', 'cat', 4, { reason: 'away' })]).active).toBeUndefined()
  })

  it('a start while another runs takes it over: one presentation, the later start in log order', () => {
    const log = [e('present.start', 'ann', 0, { order: frames }), e('present.start', 'bob', 5, { roundId: 'Q', order: frames.slice(1) })]
    const state = presentationState(log)
    expect(state.active).toMatchObject({ id: 'Q', presenter: { id: 'bob' }, index: 0 })
    // Ann's steps for her presentation no longer count, nor does ending it.
    const late = [e('present.step', 'ann', 6, { turn: 1 }), e('present.end', 'ann', 7)]
    expect(presentationState([...log, ...late]).active?.id).toBe('Q')
  })

  it('in the doc: a takeover names whom it took over from; steps and the end are in the report acts', () => {
    const [a, b] = [new Y.Doc(), new Y.Doc()]
    startPresenting(a, ann, frames, 1000)
    syncDocs(a, b)
    showFrame(a, ann, 1, 2000)
    showFrame(b, bob, 2, 2000)
    startPresenting(b, bob, frames, 3000)
    syncDocs(a, b)
    const log = readLog(a)
    const active = presentationState(log).active!
    expect(active.presenter.id).toBe('bob')
    expect(active.index).toBe(0)
    showFrame(a, cat, 1, 4000)
    stopPresenting(b, bob, 5000)
    syncDocs(a, b)
    expect(presentationState(readLog(a)).active).toBeUndefined()
    expect(turnTakingActs(readLog(b)).map(describeEntry)).toEqual([
      'Ann started presenting (3 frames)',
      'Ann showed frame 2: Next',
      'Bob took over the presentation from Ann (3 frames)',
      'Bob ended the presentation',
    ])
  })
})
