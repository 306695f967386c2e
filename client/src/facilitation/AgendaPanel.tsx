import { memo, useState } from 'react'
import type * as Y from 'yjs'
import {
  addAgendaItem,
  adjacentPhase,
  moveAgendaItem,
  removeAgendaItem,
  startPhase,
  updateAgendaItem,
  type Actor,
  type AgendaItem,
  type CurrentPhase,
} from '@roundtable/shared'
import { useServerClock } from '../board/serverClock.tsx'
import { Icon } from '../icons.tsx'

/** The agenda: phases anyone can edit; starting one makes it current for everyone and starts its timebox. */
export const AgendaPanel = memo(function AgendaPanel({
  doc,
  me,
  agenda,
  phase,
}: {
  doc: Y.Doc
  me: Actor
  agenda: AgendaItem[]
  phase: CurrentPhase | undefined
}) {
  const clock = useServerClock()
  const [editing, setEditing] = useState<string>()
  const current = agenda.find((i) => i.id === phase?.id)
  const next = adjacentPhase(agenda, current?.id, 1)
  const prev = adjacentPhase(agenda, current?.id, -1)
  const start = (id: string) => startPhase(doc, me, id, clock.now())

  return (
    <details className="fac-panel fac-agenda" open>
      <summary>
        <h2>Agenda</h2>
        {current ? <span className="fac-muted"> · {current.title}</span> : null}
      </summary>
      <div className="fac-agenda-nav">
        <button className="fac-small" disabled={!prev} onClick={() => prev && start(prev.id)} aria-label="Previous phase">
          <Icon name="previous" /> Previous
        </button>
        <button
          className="fac-small"
          disabled={!next}
          onClick={() => next && start(next.id)}
          aria-label={current ? 'Next phase' : 'Begin the agenda'}
        >
          {current ? 'Next' : 'Begin'} <Icon name="next" />
        </button>
      </div>
      <ol className="fac-agenda-list">
        {agenda.map((item, index) =>
          editing === item.id ? (
            <li key={item.id}>
              <ItemForm
                initial={item}
                submitLabel="Save"
                onSubmit={(v) => {
                  updateAgendaItem(doc, item.id, v)
                  setEditing(undefined)
                }}
                onCancel={() => setEditing(undefined)}
              />
            </li>
          ) : (
            <li
              key={item.id}
              className={item.id === current?.id ? 'fac-current' : undefined}
              aria-current={item.id === current?.id ? 'step' : undefined}
              data-phase={item.title}
            >
              <span className="fac-agenda-title">
                {item.title}
                {item.minutes && <span className="fac-muted"> · {item.minutes} min</span>}
                {item.notes && <span className="fac-sub">{item.notes}</span>}
              </span>
              <span className="fac-row-actions">
                <button
                  className="fac-small"
                  onClick={() => start(item.id)}
                  aria-label={`Start phase ${item.title}`}
                  title="Start this phase"
                >
                  <Icon name="play" />
                </button>
                <button
                  className="fac-small"
                  disabled={index === 0}
                  onClick={() => moveAgendaItem(doc, item.id, -1)}
                  aria-label={`Move ${item.title} up`}
                >
                  <Icon name="up" />
                </button>
                <button
                  className="fac-small"
                  disabled={index === agenda.length - 1}
                  onClick={() => moveAgendaItem(doc, item.id, 1)}
                  aria-label={`Move ${item.title} down`}
                >
                  <Icon name="down" />
                </button>
                <button className="fac-small" onClick={() => setEditing(item.id)} aria-label={`Edit ${item.title}`}>
                  <Icon name="edit" />
                </button>
                <button className="fac-small" onClick={() => removeAgendaItem(doc, item.id)} aria-label={`Remove ${item.title}`}>
                  <Icon name="close" />
                </button>
              </span>
            </li>
          ),
        )}
      </ol>
      <ItemForm submitLabel="Add phase" onSubmit={(v) => addAgendaItem(doc, v)} />
    </details>
  )
})

interface ItemInput {
  title: string
  minutes: string
  notes: string
}

function ItemForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial?: AgendaItem
  submitLabel: string
  onSubmit: (v: ItemInput) => void
  onCancel?: () => void
}) {
  const [title, setTitle] = useState(initial?.title ?? '')
  const [minutes, setMinutes] = useState(initial?.minutes ? String(initial.minutes) : '')
  const [notes, setNotes] = useState(initial?.notes ?? '')
  const [error, setError] = useState<string>()
  return (
    <form
      className="fac-item-form"
      onSubmit={(e) => {
        e.preventDefault()
        try {
          onSubmit({ title, minutes, notes })
          setError(undefined)
          if (!initial) {
            setTitle('')
            setMinutes('')
            setNotes('')
          }
        } catch (err) {
          setError((err as Error).message)
        }
      }}
    >
      <div className="fac-item-row">
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Phase title" aria-label="Phase title" />
        <input
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
          placeholder="min"
          aria-label="Timebox in minutes"
          inputMode="decimal"
          size={3}
        />
      </div>
      {(initial || title) && (
        <input value={notes} onChange={(e) => setNotes(e.target.value)} placeholder="Notes (optional)" aria-label="Phase notes" />
      )}
      {error && (
        <span className="fac-error" role="alert">
          {error}
        </span>
      )}
      <div className="fac-item-row">
        <button type="submit" className="fac-small">
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="fac-small" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}
