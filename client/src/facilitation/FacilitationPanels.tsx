import { useMemo, type ReactNode } from 'react'
import { batonHolder, handsState, participantsFrom, type Actor } from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useAwareness, useFacilitationState } from './hooks.ts'
import { TimerBar } from './TimerBar.tsx'
import { PeoplePanel } from './PeoplePanel.tsx'
import { HandsPanel } from './HandsPanel.tsx'
import { RoundPanel } from './RoundPanel.tsx'
import { PresentationBar, PresentPanel } from './Presentation.tsx'
import { AgendaPanel } from './AgendaPanel.tsx'
import { TimelinePanel } from './TimelinePanel.tsx'
import { OutcomesPanel } from '../outcomes/OutcomesPanel.tsx'
import { ReactionsLayer, SignalsBar, useSummonWatcher } from './Signals.tsx'
import './facilitation.css'

/** The facilitation toolkit around the canvas. Every tool works for everyone; the baton only shows who leads. */
export function FacilitationPanels() {
  const { doc, awareness, participant, editor, viewOnly } = useBoardContext()
  const state = useFacilitationState(doc)
  const aware = useAwareness(awareness)
  // Awareness changes with every cursor move; keep the list's identity while who is here is unchanged.
  const peopleKey = JSON.stringify(participantsFrom(aware.states))
  const people = useMemo(() => JSON.parse(peopleKey) as ReturnType<typeof participantsFrom>, [peopleKey])
  const phaseTitle = state.agenda.find((i) => i.id === state.phase?.id)?.title
  const me: Actor = useMemo(() => ({ id: participant.id, name: participant.name }), [participant.id, participant.name])
  const holder = batonHolder(state.log)
  const holderPresent = !!holder && people.some((p) => p.user.id === holder.id)
  const present = new Set(people.map((p) => p.user.id))
  // Only offers from people here reach the holder; the holder's own hand is no offer.
  const offers = handsState(state.log).queue.filter((h) => h.forBaton && h.id !== holder?.id && present.has(h.id))
  const summonedBy = useSummonWatcher(aware.states, editor, awareness.clientID)

  return (
    <>
      <WritesOff when={viewOnly}>
        <TimerBar doc={doc} me={me} timer={state.timer} phaseTitle={phaseTitle} />
      </WritesOff>
      {/* A viewer's dock has no enabled control: it takes focus itself, so the keyboard can scroll it. */}
      <aside className="fac-dock" aria-label="Facilitation" tabIndex={viewOnly ? 0 : undefined}>
        <WritesOff when={viewOnly}>
          <PeoplePanel me={me} offers={offers} people={people} aware={aware} holder={holder} holderPresent={holderPresent} />
          <HandsPanel me={me} log={state.log} people={people} />
          <RoundPanel me={me} log={state.log} people={people} />
          <PresentPanel me={me} log={state.log} />
          <SignalsBar doc={doc} me={me} editor={editor} awareness={awareness} />
          <AgendaPanel doc={doc} me={me} agenda={state.agenda} phase={state.phase} />
          <TimelinePanel log={state.log} people={people} />
          <OutcomesPanel />
        </WritesOff>
      </aside>
      <WritesOff when={viewOnly}>
        <PresentationBar me={me} log={state.log} people={people} />
      </WritesOff>
      <ReactionsLayer states={aware.states} editor={editor} />
      {summonedBy && <div className="fac-toast">{summonedBy} brought everyone here — move freely whenever you like</div>}
    </>
  )
}

/**
 * A viewer sees the timer, agenda and who leads, but every control that writes is disabled. The
 * scrolling dock stays outside it: whatever is inside a disabled fieldset counts as unfocusable.
 */
function WritesOff({ when, children }: { when: boolean; children: ReactNode }) {
  return (
    <fieldset className="panels-fieldset" disabled={when}>
      {children}
    </fieldset>
  )
}
