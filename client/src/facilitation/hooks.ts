import { useEffect, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { observeFacilitation, readFacilitation, type FacilitationState } from '@roundtable/shared'
import type { BoardContextValue } from '../board/BoardContext.tsx'
import { useServerClock } from '../board/serverClock.tsx'

type Awareness = BoardContextValue['awareness']

export function useFacilitationState(doc: Y.Doc): FacilitationState {
  const [state, setState] = useState(() => readFacilitation(doc))
  useEffect(() => {
    setState(readFacilitation(doc))
    return observeFacilitation(doc, () => setState(readFacilitation(doc)))
  }, [doc])
  return state
}

export interface AwarenessView {
  states: Map<number, Record<string, unknown>>
  /** Server time each client last changed its state (moved, typed, selected), as this page saw it: never leaves this device. */
  lastActive: Map<number, number>
}

/** Everyone's awareness state, re-rendered on change. */
export function useAwareness(awareness: Awareness): AwarenessView {
  const { now: serverNow } = useServerClock()
  const lastActive = useRef(new Map<number, number>())
  const [states, setStates] = useState(() => new Map(awareness.getStates() as Map<number, Record<string, unknown>>))
  useEffect(() => {
    const now = serverNow()
    for (const id of awareness.getStates().keys()) if (!lastActive.current.has(id)) lastActive.current.set(id, now)
    const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      const t = serverNow()
      for (const id of [...added, ...updated]) lastActive.current.set(id, t)
      for (const id of removed) lastActive.current.delete(id)
      setStates(new Map(awareness.getStates() as Map<number, Record<string, unknown>>))
    }
    awareness.on('change', onChange)
    return () => awareness.off('change', onChange)
  }, [awareness, serverNow])
  return { states, lastActive: lastActive.current }
}
