import { createContext, useContext, useEffect, useMemo, useReducer, useSyncExternalStore, type ReactNode } from 'react'
import { addSample, estimateOffset, serverNowFrom, type ClockEstimate, type ClockSample } from '@roundtable/shared'

/** Samples at start-up, then one now and then, to follow a drifting clock. */
const STARTUP_SAMPLES = 5
const RESAMPLE_EVERY_MS = 30_000
/** The longest a board waits for the first clock answer before opening. */
const SETTLE_WAIT_MS = 1500

export interface ServerClock {
  /** The server's time now, as best we know it. Keeps its identity for the page's life. */
  now(): number
  /** The current offset estimate (undefined until the server first answers). */
  estimate: ClockEstimate | undefined
}

/**
 * The page's one estimate of the server's clock (GET /api/time, NTP style: see
 * shared/src/facilitation/clock.ts). Every instant written into the doc or compared with one
 * goes through it, so a device whose clock is off reads the same timers as everyone else. It is
 * module-wide rather than per component so that code outside React (the store binding) and
 * every panel share the same estimate. The device clock is read here and nowhere else.
 */
class PageClock {
  private samples: ClockSample[] = []
  private listeners = new Set<() => void>()
  private started = false
  private firstAnswer!: () => void
  /**
   * Settles once the first sample has been answered or has failed (offline), or after
   * SETTLE_WAIT_MS: a board on this device must open even when the server does not answer.
   */
  readonly settled = new Promise<void>((resolve) => (this.firstAnswer = resolve))
  estimate: ClockEstimate | undefined

  readonly now = (): number => serverNowFrom(Date.now(), this.estimate)

  readonly subscribe = (listener: () => void): (() => void) => {
    this.start()
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Sampling starts with the first reader and lasts for the page's life. */
  start() {
    if (this.started) return
    this.started = true
    setTimeout(() => this.firstAnswer(), SETTLE_WAIT_MS)
    ;(async () => {
      for (let i = 0; i < STARTUP_SAMPLES; i++) {
        await this.sample()
        this.firstAnswer()
      }
    })()
    setInterval(() => this.sample(), RESAMPLE_EVERY_MS)
  }

  private async sample() {
    const t0 = Date.now()
    try {
      const res = await fetch('/api/time', { cache: 'no-store' })
      const t1 = Date.now()
      const { now } = (await res.json()) as { now: number }
      if (typeof now !== 'number') return
      this.samples = addSample(this.samples, { t0, t1, serverNow: now })
      this.estimate = estimateOffset(this.samples)
      for (const listener of this.listeners) listener()
    } catch {
      // Offline: keep the last estimate (or the local clock) until the server answers again.
    }
  }
}

export const pageClock = new PageClock()

const ServerClockContext = createContext<ServerClock | null>(null)

/** Gives the board's components the page clock, re-rendering them when its estimate changes. */
export function ServerClockProvider({ children }: { children: ReactNode }) {
  const estimate = useSyncExternalStore(pageClock.subscribe, () => pageClock.estimate)
  const clock = useMemo(() => ({ now: pageClock.now, estimate }), [estimate])
  return <ServerClockContext.Provider value={clock}>{children}</ServerClockContext.Provider>
}

export function useServerClock(): ServerClock {
  const clock = useContext(ServerClockContext)
  if (!clock) throw new Error('useServerClock must be used inside a ServerClockProvider (the board page)')
  return clock
}

/** Server time now, re-read (re-rendering the caller) every `intervalMs` while `active`. */
export function useNow(intervalMs: number, active = true): number {
  const { now } = useServerClock()
  const [, tick] = useReducer((n: number) => n + 1, 0)
  useEffect(() => {
    if (!active) return
    const timer = setInterval(tick, intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, active])
  return now()
}
