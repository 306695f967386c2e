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
import { Dock, type DockPanel } from '../board/Dock.tsx'
import './facilitation.css'

/**
 * The facilitation toolkit around the canvas, its panels folded into the dock with the board's
 * `others`. Every tool works for everyone; the baton only shows who leads.
 */
export function FacilitationPanels({ others }: { others: DockPanel[] }) {
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
  const hands = handsState(state.log).queue
  const offers = hands.filter((h) => h.forBaton && h.id !== holder?.id && present.has(h.id))
  const summonedBy = useSummonWatcher(aware.states, editor, awareness.clientID)

  // A viewer sees the timer, agenda and who leads, but every control that writes is disabled.
  const panel = (id: string, label: string, content: ReactNode, note?: string): DockPanel => ({
    id,
    label,
    note,
    content,
    readOnly: viewOnly,
  })
  const lead = holder && holderPresent ? (holder.id === me.id ? 'You lead' : holder.name) : undefined
  const panels = [
    panel(
      'people',
      'People',
      <PeoplePanel me={me} offers={offers} people={people} aware={aware} holder={holder} holderPresent={holderPresent} />,
      lead,
    ),
    panel('hands', 'Hands', <HandsPanel me={me} log={state.log} people={people} />, hands.length ? `${hands.length} up` : undefined),
    panel('round', 'Go-around', <RoundPanel me={me} log={state.log} people={people} />),
    panel('present', 'Present', <PresentPanel me={me} log={state.log} />),
    panel('signals', 'React', <SignalsBar doc={doc} me={me} editor={editor} awareness={awareness} />),
    panel('agenda', 'Agenda', <AgendaPanel doc={doc} me={me} agenda={state.agenda} phase={state.phase} />),
    panel('timeline', 'Timeline', <TimelinePanel log={state.log} people={people} />),
    panel('outcomes', 'Decisions', <OutcomesPanel />),
    ...others,
  ]

  return (
    <>
      <fieldset className="panels-fieldset" disabled={viewOnly}>
        <TimerBar doc={doc} me={me} timer={state.timer} phaseTitle={phaseTitle} />
        <PresentationBar me={me} log={state.log} people={people} />
      </fieldset>
      <Dock panels={panels} />
      <ReactionsLayer states={aware.states} editor={editor} />
      {summonedBy && <div className="fac-toast">{summonedBy} brought everyone here — move freely whenever you like</div>}
    </>
  )
}
