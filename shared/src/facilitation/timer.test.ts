import { describe, expect, it } from 'vitest'
import {
  addTime,
  formatRemaining,
  isTimeUp,
  MAX_TIMER_MS,
  parseDuration,
  pauseTimer,
  readTimer,
  remainingMs,
  resumeTimer,
  startTimer,
  stopTimer,
} from './timer.ts'
import { serverNowFrom } from './clock.ts'

const MIN = 60_000

describe('timer', () => {
  it('counts down on the server clock', () => {
    const t = startTimer(2 * MIN, 1_000_000)
    expect(remainingMs(t, 1_000_000)).toBe(2 * MIN)
    expect(remainingMs(t, 1_000_000 + 30_000)).toBe(90_000)
    expect(remainingMs(t, 1_000_000 + 3 * MIN)).toBe(0)
    // A clock estimate a few ms behind the starter's: never more than the whole timer.
    expect(remainingMs(t, 1_000_000 - 9)).toBe(2 * MIN)
    expect(isTimeUp(t, 1_000_000 + 2 * MIN)).toBe(true)
    expect(isTimeUp(t, 1_000_000 + 2 * MIN - 1)).toBe(false)
  })

  it('shows the same remaining time on clients whose clocks disagree by minutes', () => {
    const serverStart = 5_000_000
    const aliceOffset = { offsetMs: 0, rttMs: 10 }
    const bobOffset = { offsetMs: -7 * MIN, rttMs: 10 } // Bob's computer is 7 minutes fast
    // Alice starts it by her estimate of server time.
    const t = startTimer(2 * MIN, serverNowFrom(serverStart, aliceOffset))
    // 20 s later (real time), each reads its own local clock.
    const aliceLocal = serverStart + 20_000
    const bobLocal = serverStart + 20_000 + 7 * MIN
    expect(remainingMs(t, serverNowFrom(aliceLocal, aliceOffset))).toBe(100_000)
    expect(remainingMs(t, serverNowFrom(bobLocal, bobOffset))).toBe(100_000)
    // Without the offset Bob would see it already finished.
    expect(remainingMs(t, bobLocal)).toBe(0)
  })

  it('pauses, resumes and keeps what was left, across clients with different offsets', () => {
    const t0 = 1_000_000
    const running = startTimer(5 * MIN, t0)
    const paused = pauseTimer(running, t0 + MIN) // paused by one client
    expect(paused).toMatchObject({ status: 'paused', remainingMs: 4 * MIN, durationMs: 5 * MIN })
    // A paused timer does not move, whatever anyone's clock says.
    expect(remainingMs(paused, t0 + 50 * MIN)).toBe(4 * MIN)
    expect(pauseTimer(paused, t0 + 2 * MIN)).toBe(paused)
    const resumed = resumeTimer(paused, t0 + 10 * MIN) // resumed by another, much later
    expect(resumed).toEqual({ status: 'running', endsAt: t0 + 14 * MIN, durationMs: 5 * MIN })
    expect(resumeTimer(resumed, t0)).toBe(resumed)
  })

  it('adds a minute to running, paused and finished timers; not to an idle one', () => {
    const t0 = 0
    const running = startTimer(2 * MIN, t0)
    expect(remainingMs(addTime(running, MIN, t0 + 30_000), t0 + 30_000)).toBe(150_000)
    const paused = pauseTimer(running, t0 + 30_000)
    expect(remainingMs(addTime(paused, MIN, 0), 99 * MIN)).toBe(150_000)
    // Finished a while ago: "add a minute" gives one more minute from now.
    const late = addTime(running, MIN, t0 + 10 * MIN)
    expect(remainingMs(late, t0 + 10 * MIN)).toBe(MIN)
    expect(addTime(stopTimer(), MIN, 0)).toEqual({ status: 'idle' })
    // Never beyond the maximum.
    expect(remainingMs(addTime(startTimer(MAX_TIMER_MS, 0), MIN, 0), 0)).toBe(MAX_TIMER_MS)
  })

  it('stops', () => {
    expect(stopTimer()).toEqual({ status: 'idle' })
    expect(remainingMs(stopTimer(), 0)).toBe(0)
  })

  it('rejects non-positive or non-numeric durations', () => {
    expect(() => startTimer(0, 0)).toThrow()
    expect(() => startTimer(Number.NaN, 0)).toThrow()
    expect(startTimer(MAX_TIMER_MS * 3, 0)).toMatchObject({ durationMs: MAX_TIMER_MS })
  })

  it('formats remaining time, rounding up', () => {
    expect(formatRemaining(120_000)).toBe('2:00')
    expect(formatRemaining(119_001)).toBe('2:00')
    expect(formatRemaining(119_000)).toBe('1:59')
    expect(formatRemaining(1)).toBe('0:01')
    expect(formatRemaining(0)).toBe('0:00')
    expect(formatRemaining(-5)).toBe('0:00')
    expect(formatRemaining(3_723_000)).toBe('1:02:03')
  })

  it('parses what people type for a custom timer', () => {
    expect(parseDuration('7')).toBe(7 * MIN)
    expect(parseDuration('7:30')).toBe(450_000)
    expect(parseDuration('90s')).toBe(90_000)
    expect(parseDuration('2 min')).toBe(2 * MIN)
    expect(parseDuration('0')).toBeUndefined()
    expect(parseDuration('abc')).toBeUndefined()
    expect(parseDuration('-3')).toBeUndefined()
    expect(parseDuration('100000')).toBeUndefined()
  })

  it('reads only well-formed state from the doc', () => {
    expect(readTimer(undefined)).toEqual({ status: 'idle' })
    expect(readTimer({ status: 'running', endsAt: 'soon', durationMs: 1 })).toEqual({ status: 'idle' })
    expect(readTimer({ status: 'paused', remainingMs: 5, durationMs: 9, label: 'Ideas' })).toEqual({
      status: 'paused',
      remainingMs: 5,
      durationMs: 9,
      label: 'Ideas',
    })
  })
})
