import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import type * as Y from 'yjs'
import {
  announcements,
  batonHolder,
  brainstormMap,
  handsState,
  isTimeUp,
  readRound,
  votesMap,
  type AnnouncedFacts,
  type FacilitationState,
  type VoteState,
} from '@roundtable/shared'
import { useBoardContext } from './BoardContext.tsx'
import { useNow } from './serverClock.tsx'
import { useFacilitationState } from '../facilitation/hooks.ts'

type Announce = (text: string) => void

const LiveRegionContext = createContext<Announce>(() => {})

/** Reads `text` out to screen readers, politely, through the page's one live region. */
export const useAnnounce = () => useContext(LiveRegionContext)

/**
 * The page's one polite live region (visually hidden) and the `announce` its children reach with
 * useAnnounce. Each announcement replaces the element, so the same sentence twice is read twice.
 */
export function LiveRegionProvider({ children }: { children: ReactNode }) {
  const [said, setSaid] = useState({ text: '', n: 0 })
  const announce = useCallback((text: string) => setSaid((s) => ({ text, n: s.n + 1 })), [])
  return (
    <LiveRegionContext.Provider value={announce}>
      {children}
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true" data-live-region>
        <span key={said.n}>{said.text}</span>
      </div>
    </LiveRegionContext.Provider>
  )
}

/** Reads `text` out through the live region whenever it changes to something (a status line's words). */
export function useAnnounced(text: string | undefined) {
  const announce = useAnnounce()
  useEffect(() => {
    if (text) announce(text)
  }, [text, announce])
}

/** Reads out the board's live changes that matter (baton, calls, time up, reveal, vote closed): see announcements.ts. */
export function BoardAnnouncements() {
  const { doc, participant } = useBoardContext()
  const announce = useAnnounce()
  const state = useFacilitationState(doc)
  const round = useDocMap(doc, brainstormMap, readRound)
  const votes = useDocMap(doc, votesMap, readVotes)
  // Re-read while the timer runs, so reaching zero is noticed without any doc change.
  const now = useNow(250, state.timer.status === 'running')
  const facts = factsOf(state, now, round, votes)
  const before = useRef<AnnouncedFacts>(undefined)
  const key = JSON.stringify(facts)
  useEffect(() => {
    const current = JSON.parse(key) as AnnouncedFacts
    // The state found on opening the board is not news.
    if (before.current) {
      const text = announcements(before.current, current, participant.id).join(' ')
      if (text) announce(text)
    }
    before.current = current
  }, [key, participant.id, announce])
  return null
}

function factsOf(state: FacilitationState, now: number, round: ReturnType<typeof readRound>, votes: VoteState[]): AnnouncedFacts {
  const holder = batonHolder(state.log)
  const called = handsState(state.log).called
  const phaseTitle = state.agenda.find((i) => i.id === state.phase?.id)?.title
  return {
    holder: holder && { id: holder.id, name: holder.name },
    called: called && { turn: called.turn, id: called.id, name: called.name, passed: called.passed },
    timeUp: isTimeUp(state.timer, now),
    timerLabel: state.timer.status === 'idle' ? undefined : (state.timer.label ?? phaseTitle),
    round: round && { id: round.roundId, revealed: round.revealedAt !== null },
    closedVotes: votes.filter((v) => v.status === 'closed').map((v) => v.id),
  }
}

const readVotes = (doc: Y.Doc) => Object.values(votesMap(doc).toJSON() as Record<string, VoteState>)

/** `read(doc)`, read again on every change in the doc's map `mapOf(doc)`. Both functions must keep their identity. */
function useDocMap<T>(doc: Y.Doc, mapOf: (doc: Y.Doc) => Y.Map<unknown>, read: (doc: Y.Doc) => T): T {
  const [value, setValue] = useState(() => read(doc))
  useEffect(() => {
    const map = mapOf(doc)
    const update = () => setValue(read(doc))
    update()
    map.observeDeep(update)
    return () => map.unobserveDeep(update)
  }, [doc, mapOf, read])
  return value
}
