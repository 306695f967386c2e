import { useEffect, useRef, useState } from 'react'
import {
  announcements,
  batonHolder,
  brainstormMap,
  handsState,
  isTimeUp,
  votesMap,
  type AnnouncedFacts,
  type FacilitationState,
  type RoundState,
  type VoteState,
} from '@roundtable/shared'
import { useBoardContext } from './BoardContext.tsx'
import { useNow } from './serverClock.tsx'
import { useFacilitationState } from '../facilitation/hooks.ts'
import { useYMap } from '../privacy/hooks.ts'

const listeners = new Set<(text: string) => void>()

/** Reads `text` out to screen readers, politely, through the page's one live region. */
export function announce(text: string) {
  for (const listener of listeners) listener(text)
}

/**
 * The page's one polite live region, visually hidden. Each announcement replaces the element, so
 * the same sentence twice is read twice.
 */
export function LiveRegion() {
  const [said, setSaid] = useState({ text: '', n: 0 })
  useEffect(() => {
    const listener = (text: string) => setSaid((s) => ({ text, n: s.n + 1 }))
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }, [])
  return (
    <div className="sr-only" role="status" aria-live="polite" aria-atomic="true" data-live-region>
      <span key={said.n}>{said.text}</span>
    </div>
  )
}

/** Reads `text` out through the live region whenever it changes to something (a status line's words). */
export function useAnnounced(text: string | undefined) {
  useEffect(() => {
    if (text) announce(text)
  }, [text])
}

/** Reads out the board's live changes that matter (baton, calls, time up, reveal, vote closed): see announcements.ts. */
export function BoardAnnouncements() {
  const { doc, participant } = useBoardContext()
  const state = useFacilitationState(doc)
  const round = useYMap<RoundState>(brainstormMap(doc)).round
  const votes = Object.values(useYMap<VoteState>(votesMap(doc)))
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
  }, [key, participant.id])
  return null
}

function factsOf(state: FacilitationState, now: number, round: RoundState | undefined, votes: VoteState[]): AnnouncedFacts {
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
