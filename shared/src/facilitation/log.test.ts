import { describe, expect, it } from 'vitest'
import {
  batonHolder,
  batonTotals,
  compareEntries,
  describeEntry,
  forkEntry,
  leadershipTimeline,
  makeEntry,
  nextEntryTime,
  readEntry,
  sortLog,
  type LogEntry,
} from './log.ts'

let n = 0
function e(kind: LogEntry['kind'], by: string, at: number, extra: Partial<LogEntry> = {}): LogEntry {
  return { id: `e${String(n++).padStart(3, '0')}`, kind, by, byName: by.toUpperCase(), at, ...extra }
}

describe('baton', () => {
  it('is free until someone steps forward', () => {
    expect(batonHolder([])).toBeUndefined()
    expect(batonHolder([e('baton.take', 'ann', 10)])).toEqual({ id: 'ann', name: 'ANN', since: 10 })
  })

  it('passes and is put down by its holder', () => {
    const log = [e('baton.take', 'ann', 10), e('baton.pass', 'ann', 20, { to: 'bob', toName: 'Bob' })]
    expect(batonHolder(log)).toEqual({ id: 'bob', name: 'Bob', since: 20 })
    expect(batonHolder([...log, e('baton.drop', 'bob', 30)])).toBeUndefined()
  })

  it('ignores a pass or put-down by someone who does not hold it', () => {
    const log = [e('baton.take', 'ann', 10), e('baton.pass', 'bob', 20, { to: 'cat' }), e('baton.drop', 'cat', 30)]
    expect(batonHolder(log)?.id).toBe('ann')
  })

  it('a free baton can be handed to someone by anyone', () => {
    expect(batonHolder([e('baton.pass', 'ann', 5, { to: 'bob', toName: 'Bob' })])).toEqual({ id: 'bob', name: 'Bob', since: 5 })
    const afterDrop = [e('baton.take', 'cat', 1), e('baton.drop', 'cat', 2), e('baton.pass', 'ann', 3, { to: 'bob', toName: 'Bob' })]
    expect(batonHolder(afterDrop)?.id).toBe('bob')
  })

  it('stepping forward while holding it changes nothing (no new stretch)', () => {
    expect(batonHolder([e('baton.take', 'ann', 10), e('baton.take', 'ann', 20)])).toEqual({ id: 'ann', name: 'ANN', since: 10 })
  })

  it('a race of two step-forwards ends with the same single holder whatever order entries arrive in', () => {
    const ann = e('baton.take', 'ann', 1000)
    const bob = e('baton.take', 'bob', 1000) // the very same millisecond
    expect(batonHolder([ann, bob])).toEqual(batonHolder([bob, ann]))
    // Same time: the participant id breaks the tie, for everyone.
    expect(batonHolder([bob, ann])?.id).toBe('bob')
    // A millisecond apart: the later step-forward holds it.
    const annLater = e('baton.take', 'ann', 1001)
    expect(batonHolder([annLater, bob])?.id).toBe('ann')
    expect(batonHolder([bob, annLater])?.id).toBe('ann')
  })

  it('a pass that raced with someone else stepping forward is void', () => {
    const log = [e('baton.take', 'ann', 10), e('baton.take', 'bob', 20), e('baton.pass', 'ann', 21, { to: 'cat' })]
    expect(batonHolder(log)?.id).toBe('bob')
    expect(batonHolder([...log].reverse())?.id).toBe('bob')
  })

  it('every permutation of a racy log converges on one holder', () => {
    const log = [
      e('baton.take', 'ann', 5),
      e('baton.take', 'bob', 7),
      e('baton.take', 'cat', 7),
      e('baton.pass', 'bob', 8, { to: 'ann' }),
      e('baton.drop', 'cat', 9),
    ]
    const holders = new Set<string | undefined>()
    const permute = (rest: LogEntry[], acc: LogEntry[]) => {
      if (!rest.length) return holders.add(batonHolder(acc)?.id ?? 'nobody')
      rest.forEach((x, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, x]))
    }
    permute(log, [])
    expect([...holders]).toEqual(['nobody'])
  })
})

describe('a fork', () => {
  it('frees the baton with an entry just after the history, which ends the holder’s stretch there', () => {
    const log = [e('baton.take', 'ann', 10), e('timer.start', 'ann', 20)]
    const fork = forkEntry(log)!
    expect(fork).toMatchObject({ kind: 'board.fork', at: 21 })
    expect(readEntry(fork)).toEqual(fork)
    expect(batonHolder([...log, fork])).toBeUndefined()
    expect(leadershipTimeline([...log, fork], 1_000_000).map((s) => [s.holder?.id, s.start, s.end])).toEqual([
      ['ann', 10, 21],
      [undefined, 21, 1_000_000],
    ])
    // Someone can step forward in the fork.
    expect(batonHolder([...log, fork, e('baton.take', 'bob', 30)])?.id).toBe('bob')
    expect(describeEntry(fork)).toMatch(/nobody holds the baton/)
  })

  it('needs no entry when nobody holds the baton', () => {
    expect(forkEntry([])).toBeUndefined()
    expect(forkEntry([e('baton.take', 'ann', 10), e('baton.drop', 'ann', 20)])).toBeUndefined()
  })
})

describe('log entries', () => {
  it('sort by time, then participant, then id', () => {
    const a = e('summon', 'bob', 5)
    const b = e('summon', 'ann', 5)
    const c = e('summon', 'ann', 4)
    expect(sortLog([a, b, c])).toEqual([c, b, a])
    expect(compareEntries(a, a)).toBe(0)
  })

  it('a new entry never sorts before one already seen, even with a clock estimate behind', () => {
    const seen = [e('baton.take', 'ann', 10_000)]
    expect(nextEntryTime(seen, 9_500)).toBe(10_001)
    expect(nextEntryTime(seen, 12_000)).toBe(12_000)
    const entry = makeEntry(seen, { kind: 'baton.take', by: 'bob', byName: 'Bob' }, 9_000, 'x')
    expect(entry).toEqual({ id: 'x', kind: 'baton.take', by: 'bob', byName: 'Bob', at: 10_001 })
    expect(batonHolder([...seen, entry])?.id).toBe('bob')
  })

  it('drops malformed entries a peer might write', () => {
    expect(readEntry({ id: 'x', kind: 'rm -rf', by: 'a', at: 1 })).toBeUndefined()
    expect(readEntry({ id: 'x', kind: 'baton.pass', by: 'a', at: 1 })).toBeUndefined()
    expect(readEntry({ id: 'x', kind: 'summon', by: 'a', at: Number.NaN })).toBeUndefined()
    expect(readEntry({ id: 'x', kind: 'summon', by: 'a', at: 1 })).toMatchObject({ byName: 'Someone' })
  })

  it('describes acts in words', () => {
    expect(describeEntry(e('baton.pass', 'ann', 1, { to: 'bob', toName: 'Bob' }))).toBe('ANN passed the baton to Bob')
    expect(describeEntry(e('timer.start', 'ann', 1, { durationMs: 120_000 }))).toBe('ANN started a 2 min timer')
    expect(describeEntry(e('phase.start', 'ann', 1, { phaseTitle: 'Ideas' }))).toBe('ANN started “Ideas”')
  })
})

describe('leadership timeline', () => {
  const log = [
    e('timer.start', 'ann', 0, { durationMs: 60_000 }),
    e('baton.take', 'ann', 1_000),
    e('phase.start', 'ann', 2_000),
    e('baton.pass', 'ann', 61_000, { to: 'bob', toName: 'BOB' }),
    e('baton.drop', 'bob', 91_000),
    e('baton.take', 'ann', 100_000),
  ]

  it('shows who led which stretch, up to now', () => {
    expect(leadershipTimeline(log, 130_000)).toEqual([
      { holder: undefined, start: 0, end: 1_000 },
      { holder: { id: 'ann', name: 'ANN' }, start: 1_000, end: 61_000 },
      { holder: { id: 'bob', name: 'BOB' }, start: 61_000, end: 91_000 },
      { holder: undefined, start: 91_000, end: 100_000 },
      { holder: { id: 'ann', name: 'ANN' }, start: 100_000, end: 130_000 },
    ])
    expect(leadershipTimeline([], 5)).toEqual([])
  })

  it('totals how long each person held the baton', () => {
    expect(batonTotals(log, 130_000)).toEqual([
      { id: 'ann', name: 'ANN', heldMs: 90_000 },
      { id: 'bob', name: 'BOB', heldMs: 30_000 },
    ])
  })

  it('ignores void acts in the timeline', () => {
    const racy = [e('baton.take', 'ann', 0), e('baton.drop', 'bob', 5), e('baton.take', 'ann', 7)]
    expect(leadershipTimeline(racy, 10)).toEqual([{ holder: { id: 'ann', name: 'ANN' }, start: 0, end: 10 }])
  })
})
