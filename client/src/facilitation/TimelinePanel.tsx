import { memo } from 'react'
import {
  voidedActs,
  batonTotals,
  describeEntry,
  formatRemaining,
  leadershipTimeline,
  type LogEntry,
  type PresentParticipant,
} from '@roundtable/shared'
import { useNow, useServerClock } from '../board/serverClock.tsx'

const FALLBACK_COLORS = ['#e03131', '#f76707', '#f59f00', '#2f9e44', '#0c8599', '#1971c2', '#6741d9', '#c2255c']

/** Someone who left keeps a stable colour derived from their id. */
function colorFor(id: string, people: PresentParticipant[]): string {
  const present = people.find((p) => p.user.id === id)
  if (present) return present.user.color
  let h = 0
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) | 0
  return FALLBACK_COLORS[Math.abs(h) % FALLBACK_COLORS.length]
}

/** Who led which stretch of the session, how long each person held the baton, and every act. */
export const TimelinePanel = memo(function TimelinePanel({ log, people }: { log: LogEntry[]; people: PresentParticipant[] }) {
  const now = useNow(5000, log.length > 0)
  const { estimate } = useServerClock()
  const stretches = leadershipTimeline(log, now)
  const totals = batonTotals(log, now)
  const voided = voidedActs(log)
  const span = stretches.length ? stretches[stretches.length - 1].end - stretches[0].start : 0
  const localTime = (at: number) =>
    new Date(at - (estimate?.offsetMs ?? 0)).toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })

  return (
    <details className="fac-panel fac-timeline">
      <summary>
        <h2>Leadership timeline</h2>
      </summary>
      {log.length === 0 ? (
        <p className="fac-muted">Nothing yet: stepping forward, timers and phases show up here.</p>
      ) : (
        <>
          <div
            className="fac-timeline-bar"
            role="img"
            aria-label={stretches.map((s) => `${s.holder?.name ?? 'nobody'} ${formatRemaining(s.end - s.start)}`).join(', ')}
          >
            {stretches.map((s) => (
              <span
                key={s.start}
                title={`${s.holder?.name ?? 'Nobody'}: ${localTime(s.start)}–${localTime(s.end)}`}
                style={{
                  flexGrow: span ? Math.max((s.end - s.start) / span, 0.01) : 1,
                  background: s.holder ? colorFor(s.holder.id, people) : '#e9ecef',
                }}
              />
            ))}
          </div>
          <ul className="fac-totals" aria-label="Time holding the baton">
            {totals.map((t) => (
              <li key={t.id} data-total={t.name}>
                <span className="fac-dot" style={{ background: colorFor(t.id, people) }} aria-hidden />
                {t.name} <span className="fac-muted">{formatRemaining(t.heldMs)}</span>
              </li>
            ))}
          </ul>
          <ol className="fac-log" aria-label="Session log" reversed>
            {[...log]
              .reverse()
              .filter((e) => !voided.has(e.id))
              .map((e) => (
                <li key={e.id}>
                  <span className="fac-muted">{localTime(e.at)}</span> <span className="fac-act">{describeEntry(e)}</span>
                </li>
              ))}
          </ol>
        </>
      )}
    </details>
  )
})
