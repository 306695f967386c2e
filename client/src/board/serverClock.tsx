import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react'
import { addSample, estimateOffset, serverNowFrom, type ClockEstimate, type ClockSample } from '@roundtable/shared'

/** Samples at start-up, then one now and then, to follow a drifting clock. */
const STARTUP_SAMPLES = 5
const RESAMPLE_EVERY_MS = 30_000

export interface ServerClock {
  /** The server's time now, as best we know it. Keeps its identity for the page's life. */
  now(): number
  /** The current offset estimate (undefined until the server first answers). */
  estimate: ClockEstimate | undefined
}

const ServerClockContext = createContext<ServerClock | null>(null)

/**
 * One estimate of the server's clock for the page (GET /api/time, NTP style: see
 * shared/src/facilitation/clock.ts). Every instant written into the doc or compared with one
 * goes through it, so a device whose clock is off reads the same timers as everyone else.
 */
export function ServerClockProvider({ children }: { children: ReactNode }) {
  const [estimate, setEstimate] = useState<ClockEstimate>()
  const estimateRef = useRef<ClockEstimate>(undefined)
  useEffect(() => {
    let samples: ClockSample[] = []
    let stopped = false
    const sample = async () => {
      const t0 = Date.now()
      try {
        const res = await fetch('/api/time', { cache: 'no-store' })
        const t1 = Date.now()
        const { now } = (await res.json()) as { now: number }
        if (stopped || typeof now !== 'number') return
        samples = addSample(samples, { t0, t1, serverNow: now })
        const next = estimateOffset(samples)
        estimateRef.current = next
        setEstimate(next)
      } catch {
        // Offline: keep the last estimate (or the local clock) until the server answers again.
      }
    }
    ;(async () => {
      for (let i = 0; i < STARTUP_SAMPLES && !stopped; i++) await sample()
    })()
    const timer = setInterval(sample, RESAMPLE_EVERY_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])
  const now = useCallback(() => serverNowFrom(Date.now(), estimateRef.current), [])
  const clock = useMemo(() => ({ now, estimate }), [now, estimate])
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
