import { useEffect, useMemo, useReducer, useRef, useState } from 'react'
import type * as Y from 'yjs'
import {
  addSample,
  estimateOffset,
  observeFacilitation,
  readFacilitation,
  serverNowFrom,
  type ClockEstimate,
  type ClockSample,
  type FacilitationState,
} from '@roundtable/shared'
import type { BoardContextValue } from '../board/BoardContext.tsx'

type Awareness = BoardContextValue['awareness']

/** Samples at start-up, then one now and then, to follow a drifting clock. */
const STARTUP_SAMPLES = 5
const RESAMPLE_EVERY_MS = 30_000

export interface ServerClock {
  /** The server's time now, as best we know it. */
  now(): number
  estimate: ClockEstimate | undefined
}

/** Keeps a smoothed estimate of this device's offset to the server clock (GET /api/time). */
export function useServerClock(): ServerClock {
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
  return useMemo(() => ({ now: () => serverNowFrom(Date.now(), estimateRef.current), estimate }), [estimate])
}

export function useFacilitationState(doc: Y.Doc): FacilitationState {
  const [state, setState] = useState(() => readFacilitation(doc))
  useEffect(() => {
    setState(readFacilitation(doc))
    return observeFacilitation(doc, () => setState(readFacilitation(doc)))
  }, [doc])
  return state
}

/** Re-renders every `ms` while `active`. */
export function useTick(ms: number, active = true) {
  const [, tick] = useReducer((n: number) => n + 1, 0)
  useEffect(() => {
    if (!active) return
    const t = setInterval(tick, ms)
    return () => clearInterval(t)
  }, [ms, active])
}

export interface AwarenessView {
  states: Map<number, Record<string, unknown>>
  /** Local time each client last changed its state (moved, typed, selected). */
  lastActive: Map<number, number>
}

/** Everyone's awareness state, re-rendered on change. */
export function useAwareness(awareness: Awareness): AwarenessView {
  const lastActive = useRef(new Map<number, number>())
  const [states, setStates] = useState(() => new Map(awareness.getStates() as Map<number, Record<string, unknown>>))
  useEffect(() => {
    const now = Date.now()
    for (const id of awareness.getStates().keys()) if (!lastActive.current.has(id)) lastActive.current.set(id, now)
    const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      const t = Date.now()
      for (const id of [...added, ...updated]) lastActive.current.set(id, t)
      for (const id of removed) lastActive.current.delete(id)
      setStates(new Map(awareness.getStates() as Map<number, Record<string, unknown>>))
    }
    awareness.on('change', onChange)
    return () => awareness.off('change', onChange)
  }, [awareness])
  return { states, lastActive: lastActive.current }
}
