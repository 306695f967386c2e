import { describe, expect, it } from 'vitest'
import { addSample, estimateOffset, localTimeFrom, sampleOffset, serverNowFrom, type ClockSample } from './clock.ts'

describe('server clock offset', () => {
  it('takes the midpoint of the round trip', () => {
    // Local clock 5 minutes behind the server; 40 ms round trip.
    expect(sampleOffset({ t0: 1000, t1: 1040, serverNow: 301_020 })).toEqual({ offsetMs: 300_000, rttMs: 40 })
  })

  it('trusts the fastest round trips and ignores a slow outlier', () => {
    const truth = -180_000 // this computer runs 3 minutes ahead
    const fast = (t0: number, rtt: number, skew = 0): ClockSample => ({ t0, t1: t0 + rtt, serverNow: t0 + rtt / 2 + truth + skew })
    const samples = [
      fast(0, 20, 3),
      // A queued request: the answer sat for 900 ms on the way back.
      { t0: 1000, t1: 2000, serverNow: 1000 + 100 + truth },
      fast(3000, 18, -2),
      fast(4000, 25, 1),
      fast(5000, 400, 150),
    ]
    const est = estimateOffset(samples)!
    expect(Math.abs(est.offsetMs - truth)).toBeLessThanOrEqual(3)
    expect(est.rttMs).toBe(25)
  })

  it('has no estimate without usable samples and then reads the local clock', () => {
    expect(estimateOffset([])).toBeUndefined()
    expect(estimateOffset([{ t0: 10, t1: 5, serverNow: 7 }])).toBeUndefined()
    expect(serverNowFrom(1234, undefined)).toBe(1234)
    expect(serverNowFrom(1234, { offsetMs: -34, rttMs: 1 })).toBe(1200)
    // And back: a server instant on this device's clock (a clock 7 minutes fast reads it 7 minutes later).
    const fast = { offsetMs: -7 * 60_000, rttMs: 1 }
    expect(localTimeFrom(serverNowFrom(1_000_000, fast), fast)).toBe(1_000_000)
    expect(localTimeFrom(1_000_000, fast)).toBe(1_420_000)
    expect(localTimeFrom(1234, undefined)).toBe(1234)
  })

  it('keeps only the most recent samples', () => {
    let s: ClockSample[] = []
    for (let i = 0; i < 12; i++) s = addSample(s, { t0: i, t1: i + 1, serverNow: i }, 8)
    expect(s).toHaveLength(8)
    expect(s[0].t0).toBe(4)
  })
})
