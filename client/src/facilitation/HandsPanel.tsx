import { useEffect, useId, useRef } from 'react'
import {
  callNext,
  formatRemaining,
  handsState,
  lowerHand,
  nextToCall,
  passTurn,
  raiseHand,
  removeHand,
  type Actor,
  type LogEntry,
  type PresentParticipant,
} from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { typingIn } from './keys.ts'
import { useNow, useServerClock } from '../board/serverClock.tsx'
import { Icon } from '../icons.tsx'

/** Shift+R raises or lowers our hand: tldraw leaves it free, and R is for "raise". */
const isShortcut = (e: KeyboardEvent) => e.shiftKey && e.code === 'KeyR' && !e.altKey && !e.ctrlKey && !e.metaKey

/** Raised hands: a queue everyone sees and anyone can call from; the person called can pass. */
export function HandsPanel({ me, log, people }: { me: Actor; log: LogEntry[]; people: PresentParticipant[] }) {
  const { doc, viewOnly } = useBoardContext()
  const clock = useServerClock()
  const headingId = useId()
  const { queue, called } = handsState(log)
  const now = useNow(1000, queue.length > 0)
  const present = new Set(people.map((p) => p.user.id))
  const next = nextToCall(queue, present)
  const mine = queue.find((h) => h.id === me.id)
  const colorOf = (id: string) => people.find((p) => p.user.id === id)?.user.color ?? '#adb5bd'

  const toggle = () => (mine ? lowerHand(doc, me, clock.now()) : raiseHand(doc, me, clock.now()))
  const toggleRef = useRef(toggle)
  toggleRef.current = toggle
  useEffect(() => {
    // A view-only visitor's change would be refused by the server (the panel's buttons are disabled too).
    if (viewOnly) return
    const onKey = (e: KeyboardEvent) => {
      if (!isShortcut(e) || e.repeat || typingIn(e.target)) return
      e.preventDefault()
      toggleRef.current()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [viewOnly])

  return (
    <section className="fac-panel fac-hands" aria-labelledby={headingId}>
      <h2 id={headingId} className="sr-only">
        Raised hands
      </h2>
      <div className="fac-hands-head">
        <button className={mine ? '' : 'fac-primary'} aria-pressed={!!mine} onClick={toggle} title="Shortcut: Shift+R">
          {mine ? (
            'Lower hand'
          ) : (
            <>
              <Icon name="hand" /> Raise hand
            </>
          )}
        </button>
        <button onClick={() => callNext(doc, me, present, clock.now())} disabled={!next} title={next && `Call on ${next.name}`}>
          Call next
        </button>
        <span className="fac-muted fac-hands-count">{queue.length ? `${queue.length} waiting` : 'No hands up'}</span>
      </div>
      {called && (
        <div className={`fac-called${called.passed ? ' fac-passed' : ''}`} data-called={called.name}>
          <span className="fac-dot" style={{ background: colorOf(called.id) }} aria-hidden />
          <span className="fac-called-text">
            {called.passed
              ? `${called.id === me.id ? 'You' : called.name} passed`
              : called.id === me.id
                ? `Your turn (${called.byName} called you)`
                : `${called.name}’s turn`}
          </span>
          {called.id === me.id && !called.passed && (
            <button className="fac-small" onClick={() => passTurn(doc, me, clock.now())}>
              Pass
            </button>
          )}
        </div>
      )}
      {queue.length > 0 && (
        <ol className="fac-queue" aria-label="Queue">
          {queue.map((h) => {
            const away = !present.has(h.id)
            return (
              <li key={h.id} data-hand={h.name} className={h === next ? 'fac-next' : away ? 'fac-away' : ''}>
                <span className="fac-dot" style={{ background: colorOf(h.id) }} aria-hidden />
                <span className="fac-person">
                  <span className="fac-name">
                    {h.name}
                    {h.id === me.id && <span className="fac-muted"> (you)</span>}
                  </span>
                  <span className="fac-sub">
                    {away ? 'away: skipped' : `waiting ${formatRemaining(now - h.since)}`}
                    {h.forBaton && ' · offers to take the baton'}
                  </span>
                </span>
                {h.id !== me.id && (
                  <button
                    className="fac-small fac-remove"
                    onClick={() => removeHand(doc, me, h, clock.now())}
                    aria-label={`Lower ${h.name}’s hand`}
                    title="Lower this hand (left up by mistake)"
                  >
                    <Icon name="close" />
                  </button>
                )}
              </li>
            )
          })}
        </ol>
      )}
    </section>
  )
}
