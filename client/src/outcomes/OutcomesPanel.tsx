import { useState } from 'react'
import { setDone, setDueDate, volunteer, type Outcome } from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useServerClock } from '../board/serverClock.tsx'
import { StatusLine } from '../board/panelParts.tsx'
import { showShape, useOutcomeDoc } from './hooks.ts'
import './outcomes.css'

type Filter = 'open' | 'done' | 'all'
const FILTERS: { value: Filter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'done', label: 'Done' },
  { value: 'all', label: 'All' },
]

/** Open: decisions and actions not ticked done. Done: actions ticked done. */
const shows = (filter: Filter, o: Outcome) => filter === 'all' || (filter === 'done') === !!o.done

/**
 * "Decisions & actions": every note marked as one, filtered open or done. Anyone volunteers
 * themselves for an action ("I'll take it"), sets its due date or ticks it done; a note's text
 * shows it on the board.
 */
export function OutcomesPanel() {
  const { doc, editor, participant } = useBoardContext()
  const clock = useServerClock()
  const { outcomes } = useOutcomeDoc(doc)
  const [filter, setFilter] = useState<Filter>('open')
  const [message, setMessage] = useState('')
  const me = { id: participant.id, name: participant.name }
  const act = (change: () => void) => {
    try {
      change()
      setMessage('')
    } catch (err) {
      setMessage((err as Error).message)
    }
  }
  const listed = outcomes.filter((o) => shows(filter, o))
  const openCount = outcomes.filter((o) => !o.done).length

  return (
    <details className="fac-panel oc-panel">
      <summary>
        <h2>Decisions &amp; actions</h2> {outcomes.length > 0 && <span className="fac-muted">({openCount} open)</span>}
      </summary>
      {outcomes.length === 0 ? (
        <p className="fac-muted">Select a sticky note and press “Decision” or “Action” above it.</p>
      ) : (
        <>
          <div className="oc-filters" role="radiogroup" aria-label="Show">
            {FILTERS.map((f) => (
              <label key={f.value}>
                <input type="radio" name="oc-filter" checked={filter === f.value} onChange={() => setFilter(f.value)} />
                {f.label}
              </label>
            ))}
          </div>
          <ul className="oc-list">
            {listed.map((o) => {
              const mine = o.volunteers.some((v) => v.id === participant.id)
              return (
                <li key={o.shapeId} className={`oc-item oc-${o.kind}${o.done ? ' oc-done' : ''}`} data-outcome-text={o.text}>
                  <div className="oc-item-head">
                    {o.kind === 'action' ? (
                      <input
                        type="checkbox"
                        checked={!!o.done}
                        aria-label={`Done: ${o.text || 'action'}`}
                        onChange={(e) => act(() => setDone(doc, me, o.shapeId, e.target.checked, clock.now()))}
                      />
                    ) : (
                      <span className="oc-kind">Decision</span>
                    )}
                    <button className="oc-jump" onClick={() => showShape(editor, o.shapeId)} title="Show this note on the board">
                      {o.text || '(empty note)'}
                    </button>
                  </div>
                  {o.kind === 'action' && (
                    <div className="oc-item-body">
                      <span className="oc-volunteers">
                        {o.volunteers.length ? (
                          `Volunteers: ${o.volunteers.map((v) => v.name).join(', ')}`
                        ) : (
                          <span className="fac-muted">No volunteer yet</span>
                        )}
                      </span>
                      <button onClick={() => act(() => volunteer(doc, me, o.shapeId, !mine, clock.now()))}>
                        {mine ? 'I’m out' : 'I’ll take it'}
                      </button>
                      <label className="oc-due">
                        Due{' '}
                        <input
                          type="date"
                          value={o.due ?? ''}
                          onChange={(e) => act(() => setDueDate(doc, o.shapeId, e.target.value || null))}
                        />
                      </label>
                    </div>
                  )}
                </li>
              )
            })}
            {listed.length === 0 && <li className="fac-muted">{filter === 'done' ? 'Nothing done yet.' : 'Everything is done.'}</li>}
          </ul>
        </>
      )}
      <StatusLine className="oc-message">{message}</StatusLine>
    </details>
  )
}
