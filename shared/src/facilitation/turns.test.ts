import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ann, bob, cat, entryMaker, syncDocs } from './testLog.ts'
import { describeEntry, type LogEntry } from './log.ts'
import { forkEntryFor, handsState, nextToCall, turnsTaken } from './turns.ts'
import { roundsState } from './rounds.ts'
import { presentationState } from './present.ts'
import { callNext, lowerHand, passTurn, raiseHand, readLog, removeHand } from '../facilitationDoc.ts'

const e = entryMaker('e')
const ids = (log: LogEntry[]) => handsState(log).queue.map((h) => h.id)

describe('raised hands', () => {
  it('queue in order of raising, whatever order the entries arrived in', () => {
    const log = [e('hand.raise', 'cat', 30), e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 20)]
    expect(ids(log)).toEqual(['ann', 'bob', 'cat'])
    expect(handsState(log).queue[0]).toEqual({ id: 'ann', name: 'ANN', since: 10, forBaton: false })
  })

  it('raising twice keeps the first place; lowering and raising again goes to the back', () => {
    const log = [e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 20), e('hand.raise', 'ann', 30)]
    expect(ids(log)).toEqual(['ann', 'bob'])
    expect(handsState(log).voided.has(log[2].id)).toBe(true)
    log.push(e('hand.lower', 'ann', 40), e('hand.raise', 'ann', 50))
    expect(ids(log)).toEqual(['bob', 'ann'])
  })

  it('anyone removes a forgotten hand; removing one that is down changes nothing', () => {
    const log = [e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 20), e('hand.remove', 'cat', 30, { to: 'ann', toName: 'Ann' })]
    expect(ids(log)).toEqual(['bob'])
    const again = e('hand.remove', 'bob', 31, { to: 'ann' })
    expect(handsState([...log, again]).voided.has(again.id)).toBe(true)
  })

  it('a call takes the person out of the queue and is the current turn', () => {
    const log = [e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 20), e('hand.call', 'cat', 30, { to: 'ann', toName: 'Ann', turn: 1 })]
    const state = handsState(log)
    expect(state.queue.map((h) => h.id)).toEqual(['bob'])
    expect(state.called).toEqual({ turn: 1, id: 'ann', name: 'Ann', at: 30, byName: 'CAT', passed: false })
    expect(state.turn).toBe(1)
  })

  it('two calls for the same turn call one person: the first in log order, everywhere', () => {
    const raised = [e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 11)]
    // Cat had not seen Ann's hand yet and called Bob; Dan called Ann; same millisecond.
    const byCat = e('hand.call', 'cat', 50, { to: 'bob', toName: 'Bob', turn: 1 })
    const byDan = e('hand.call', 'dan', 50, { to: 'ann', toName: 'Ann', turn: 1 })
    for (const log of [
      [...raised, byCat, byDan],
      [byDan, ...raised, byCat],
    ]) {
      const state = handsState(log)
      expect(state.called?.id).toBe('bob')
      expect(state.turn).toBe(1)
      // The losing call is void: Ann keeps her place.
      expect(state.queue.map((h) => h.id)).toEqual(['ann'])
      expect([...state.voided]).toEqual([byDan.id])
    }
  })

  it('a call for a turn already taken is void, though its clock was ahead', () => {
    const log = [
      e('hand.raise', 'ann', 10),
      e('hand.raise', 'bob', 11),
      e('hand.call', 'cat', 40, { to: 'ann', turn: 1 }),
      e('hand.call', 'dan', 12, { to: 'bob', turn: 1 }),
    ]
    // Dan's entry sorts first (time 12), so it is the call; Cat's, later, is void.
    expect(handsState(log).called?.id).toBe('bob')
    expect(ids(log)).toEqual(['ann'])
    log.push(e('hand.call', 'cat', 60, { to: 'ann', turn: 2 }))
    expect(handsState(log).called).toMatchObject({ id: 'ann', turn: 2 })
  })

  it('only the person called can pass, once', () => {
    const log = [e('hand.raise', 'ann', 10), e('hand.call', 'bob', 20, { to: 'ann', turn: 1 })]
    const notHers = e('hand.pass', 'bob', 30, { turn: 1 })
    expect(handsState([...log, notHers]).called?.passed).toBe(false)
    const stale = e('hand.pass', 'ann', 31, { turn: 0 })
    expect(handsState([...log, stale]).voided.has(stale.id)).toBe(true)
    expect(handsState([...log, e('hand.pass', 'ann', 32, { turn: 1 })]).called?.passed).toBe(true)
  })

  it('an offer to take the baton is marked, and keeps the place of a hand already up', () => {
    const log = [e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 20), e('hand.raise', 'ann', 30, { forBaton: true })]
    expect(handsState(log).queue).toEqual([
      { id: 'ann', name: 'ANN', since: 10, forBaton: true },
      { id: 'bob', name: 'BOB', since: 20, forBaton: false },
    ])
  })

  it('Call next skips hands of people who left', () => {
    const { queue } = handsState([e('hand.raise', 'ann', 10), e('hand.raise', 'bob', 20), e('hand.raise', 'cat', 30)])
    expect(nextToCall(queue, new Set(['bob', 'cat']))?.id).toBe('bob')
    expect(nextToCall(queue, new Set(['dan']))).toBeUndefined()
  })

  it('turns taken: calls not passed, and go-around turns spoken', () => {
    const log = [
      e('hand.raise', 'ann', 1),
      e('hand.raise', 'bob', 2),
      e('hand.call', 'cat', 3, { to: 'ann', turn: 1 }),
      e('hand.call', 'cat', 4, { to: 'bob', turn: 2 }),
      e('hand.pass', 'bob', 5, { turn: 2 }),
      e('round.start', 'cat', 6, { roundId: 'R', order: [{ id: 'bob', name: 'Bob' }] }),
      e('round.next', 'bob', 9, { roundId: 'R', turn: 0, reason: 'done' }),
    ]
    expect(turnsTaken(log)).toEqual({ ann: 1, bob: 1 })
    expect(handsState(log).calls.map((c) => [c.id, c.passed])).toEqual([
      ['ann', false],
      ['bob', true],
    ])
  })

  it('a fork frees the baton and ends hands, the call, a go-around and a presentation under way', () => {
    const calm = [e('hand.raise', 'ann', 1), e('hand.lower', 'ann', 2)]
    expect(forkEntryFor(calm)).toBeUndefined()
    const busy = [
      e('hand.raise', 'ann', 1),
      e('hand.raise', 'bob', 2),
      e('hand.call', 'cat', 3, { to: 'bob', turn: 1 }),
      e('round.start', 'cat', 4, { roundId: 'R', order: [{ id: 'ann', name: 'Ann' }] }),
      e('present.start', 'cat', 5, { roundId: 'P', order: [{ id: 'f', name: 'F' }] }),
    ]
    const fork = forkEntryFor(busy)!
    expect(fork).toMatchObject({ kind: 'board.fork', at: 6 })
    const after = [...busy, fork]
    expect(handsState(after)).toMatchObject({ queue: [], called: undefined, turn: 1 })
    expect(roundsState(after).active).toBeUndefined()
    expect(roundsState(after).rounds[0].turns[0]).toMatchObject({ outcome: 'ended', end: 6 })
    expect(presentationState(after).active).toBeUndefined()
    // Each alone is reason enough to write one.
    for (const prefix of [busy.slice(0, 1), busy.slice(3, 4), busy.slice(4)]) expect(forkEntryFor(prefix)).toBeDefined()
  })

  it('the timeline says what happened', () => {
    expect(describeEntry(e('hand.raise', 'ann', 1, { forBaton: true, byName: 'Ann' }))).toBe('Ann raised a hand to take the baton')
    expect(describeEntry({ ...e('hand.call', 'cat', 2, { to: 'ann', toName: 'Ann', turn: 1 }), byName: 'Cat' })).toBe('Cat called on Ann')
    expect(describeEntry({ ...e('hand.remove', 'cat', 2, { to: 'ann', toName: 'Ann' }), byName: 'Cat' })).toBe('Cat lowered Ann’s hand')
  })
})

describe('raised hands in the doc', () => {
  it('two docs calling next at once converge on one called person', () => {
    const [a, b] = [new Y.Doc(), new Y.Doc()]
    raiseHand(a, ann, 1000)
    raiseHand(a, bob, 1001)
    syncDocs(a, b)
    const everyone = new Set(['ann', 'bob', 'cat'])
    expect(callNext(a, cat, everyone, 2000)?.id).toBe('ann')
    expect(callNext(b, bob, everyone, 2000)?.id).toBe('ann')
    syncDocs(a, b)
    for (const d of [a, b]) {
      const state = handsState(readLog(d))
      expect(state.called).toMatchObject({ id: 'ann', turn: 1 })
      expect(state.queue.map((h) => h.id)).toEqual(['bob'])
    }
    // The next call is turn 2, for Bob.
    expect(callNext(b, cat, everyone, 3000)?.id).toBe('bob')
    expect(handsState(readLog(b)).called).toMatchObject({ id: 'bob', turn: 2 })
  })

  it('lower, remove, pass; nothing to call when the queue is empty', () => {
    const d = new Y.Doc()
    raiseHand(d, ann, 1)
    raiseHand(d, bob, 2)
    lowerHand(d, ann, 3)
    removeHand(d, cat, bob, 4)
    expect(handsState(readLog(d)).queue).toEqual([])
    expect(callNext(d, cat, new Set(['ann', 'bob']), 5)).toBeUndefined()
    raiseHand(d, bob, 6)
    callNext(d, cat, new Set(['bob']), 7)
    passTurn(d, ann, 8)
    expect(handsState(readLog(d)).called?.passed).toBe(false)
    passTurn(d, bob, 9)
    expect(handsState(readLog(d)).called?.passed).toBe(true)
    expect(readLog(d).map((x) => x.kind)).toEqual([
      'hand.raise',
      'hand.raise',
      'hand.lower',
      'hand.remove',
      'hand.raise',
      'hand.call',
      'hand.pass',
    ])
  })
})
