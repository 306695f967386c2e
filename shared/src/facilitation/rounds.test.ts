import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ann, bob, cat, entryMaker, syncDocs } from './testLog.ts'
import { describeEntry, readEntry, type LogEntry } from './log.ts'
import { roundOrder, roundsState, roundSummary, roundTurnsTaken, turnRemainingMs } from './rounds.ts'
import { endRound, joinRound, nextTurn, readLog, startRound } from '../facilitationDoc.ts'

const e = entryMaker('r', { roundId: 'R' })
const people = (...ids: string[]) => ids.map((id) => ({ id, name: id.toUpperCase() }))
const start = (at: number, ids: string[], extra: Partial<LogEntry> = {}) =>
  e('round.start', 'ann', at, { order: people(...ids), prompt: 'One word', ...extra })

describe('go-around order', () => {
  const here = [
    { id: 'cat', name: 'Cat', firstSeen: 30 },
    { id: 'ann', name: 'Ann', firstSeen: 10 },
    { id: 'bob', name: 'Bob', firstSeen: 20 },
  ]
  it('by the order people joined the board', () => {
    expect(roundOrder(here, 'joined').map((p) => p.id)).toEqual(['ann', 'bob', 'cat'])
  })
  it('shuffled: everyone once, in an order the random source decides', () => {
    const zero = roundOrder(here, 'shuffled', () => 0).map((p) => p.id)
    expect(zero).toEqual(['bob', 'cat', 'ann'])
    const other = roundOrder(here, 'shuffled', () => 0.99).map((p) => p.id)
    expect(other).toEqual(['ann', 'bob', 'cat'])
    expect([...roundOrder(here, 'shuffled')].map((p) => p.id).sort()).toEqual(['ann', 'bob', 'cat'])
  })
})

describe('go-around rounds', () => {
  it('runs turn by turn: done, skip, timeout; ends after the last and sums up who spoke for how long', () => {
    const log = [
      start(1000, ['ann', 'bob', 'cat', 'dan'], { durationMs: 60_000 }),
      e('round.next', 'ann', 21_000, { turn: 0, reason: 'done' }),
      e('round.next', 'cat', 22_000, { turn: 1, reason: 'skip' }),
    ]
    let state = roundsState(log)
    expect(state.active?.current).toBe(2)
    expect(state.active?.turns[2].start).toBe(22_000)
    // Per-turn time from server time: Cat has 60 s from 22 s.
    expect(turnRemainingMs(state.active!, 52_000)).toBe(30_000)
    expect(turnRemainingMs(state.active!, 99_000)).toBe(0)
    // A reader whose clock estimate is a little behind the writer's still sees at most a whole turn.
    expect(turnRemainingMs(state.active!, 21_990)).toBe(60_000)
    log.push(e('round.next', 'cat', 82_000, { turn: 2, reason: 'timeout' }), e('round.next', 'dan', 90_000, { turn: 3, reason: 'done' }))
    state = roundsState(log)
    expect(state.active).toBeUndefined()
    expect(state.rounds[0].endedAt).toBe(90_000)
    expect(roundSummary(state.rounds[0])).toEqual([
      { id: 'ann', name: 'ANN', outcome: 'done', spokeMs: 20_000 },
      { id: 'bob', name: 'BOB', outcome: 'skip', spokeMs: undefined },
      { id: 'cat', name: 'CAT', outcome: 'timeout', spokeMs: 60_000 },
      { id: 'dan', name: 'DAN', outcome: 'done', spokeMs: 8_000 },
    ])
    expect(roundTurnsTaken(state.rounds)).toEqual({ ann: 1, cat: 1, dan: 1 })
  })

  it('a "Done" racing the timer, or two skips, move on once', () => {
    const log = [
      start(0, ['ann', 'bob', 'cat']),
      e('round.next', 'ann', 10, { turn: 0, reason: 'done' }),
      e('round.next', 'bob', 10, { turn: 0, reason: 'timeout' }),
      e('round.next', 'cat', 11, { turn: 0, reason: 'skip' }),
    ]
    const state = roundsState(log)
    expect(state.active?.current).toBe(1)
    expect(state.active?.turns[0].outcome).toBe('done')
    expect([...state.voided]).toEqual([log[2].id, log[3].id])
  })

  it('a latecomer goes to the end, once; a leaver is skipped as away; untimed turns have no remaining time', () => {
    const log = [
      start(0, ['ann', 'bob']),
      e('round.join', 'cat', 5),
      e('round.join', 'cat', 6),
      e('round.join', 'ann', 7),
      e('round.next', 'ann', 10, { turn: 0, reason: 'done' }),
      e('round.next', 'cat', 15, { turn: 1, reason: 'away' }),
    ]
    const state = roundsState(log)
    expect(state.active?.turns.map((t) => t.id)).toEqual(['ann', 'bob', 'cat'])
    expect(state.active?.turns[1].outcome).toBe('away')
    expect(state.active?.current).toBe(2)
    expect(turnRemainingMs(state.active!, 100)).toBeUndefined()
    expect(state.voided).toEqual(new Set([log[2].id, log[3].id]))
  })

  it('anyone ends a round early; one round at a time; a join after the end is void', () => {
    const second = e('round.start', 'bob', 5, { roundId: 'S', order: people('bob') })
    const log = [
      start(0, ['ann', 'bob', 'cat']),
      second,
      e('round.next', 'ann', 10, { turn: 0, reason: 'done' }),
      e('round.end', 'cat', 30),
    ]
    const state = roundsState(log)
    expect(state.active).toBeUndefined()
    expect(state.rounds).toHaveLength(1)
    expect(state.voided.has(second.id)).toBe(true)
    expect(state.rounds[0]).toMatchObject({ endedAt: 30, endedBy: 'CAT', current: 2 })
    expect(roundSummary(state.rounds[0]).map((t) => [t.id, t.outcome, t.spokeMs])).toEqual([
      ['ann', 'done', 10],
      ['bob', 'ended', 20],
      ['cat', 'not reached', undefined],
    ])
    const late = e('round.join', 'dan', 40)
    expect(roundsState([...log, late]).voided.has(late.id)).toBe(true)
    // A new round may start once the last has ended.
    expect(roundsState([...log, e('round.start', 'bob', 50, { roundId: 'T', order: people('bob') })]).active?.id).toBe('T')
  })

  it('entries a peer wrote badly are not read', () => {
    expect(readEntry({ id: 'x', kind: 'round.start', by: 'a', at: 1, roundId: 'R', order: [{ id: 1 }] })).toBeUndefined()
    expect(readEntry({ id: 'x', kind: 'round.next', by: 'a', at: 1, roundId: 'R', turn: 0, reason: 'whatever' })).toBeUndefined()
    expect(readEntry({ id: 'x', kind: 'round.end', by: 'a', at: 1 })).toBeUndefined()
    expect(describeEntry({ ...start(0, ['ann'], { durationMs: 120_000 }), byName: 'Ann' })).toBe(
      'Ann started a go-around: “One word” (2 min each)',
    )
  })
})

describe('go-around rounds in the doc', () => {
  it('Done on one device and the timer on another at once move the round on one turn', () => {
    const [a, b] = [new Y.Doc(), new Y.Doc()]
    startRound(a, ann, { prompt: 'Check-in', minutesEach: 1, order: [ann, bob] }, 0)
    expect(startRound(a, bob, { prompt: 'Again', order: [bob] }, 1)).toBeUndefined()
    syncDocs(a, b)
    nextTurn(a, ann, 'done', 60_000)
    nextTurn(b, bob, 'timeout', 60_000)
    joinRound(b, cat, 60_001)
    syncDocs(a, b)
    for (const d of [a, b]) {
      const round = roundsState(readLog(d)).active!
      expect(round.current).toBe(1)
      expect(round.turns.map((t) => t.id)).toEqual(['ann', 'bob', 'cat'])
      expect(turnRemainingMs(round, 90_000)).toBe(30_000)
    }
    // A timer that fires late for turn 0 does not end Bob's turn.
    nextTurn(a, cat, 'timeout', 61_000, { roundId: roundsState(readLog(a)).active!.id, turn: 0 })
    expect(roundsState(readLog(a)).active?.current).toBe(1)
    endRound(b, cat, 70_000)
    expect(roundsState(readLog(b)).active).toBeUndefined()
  })
})
