import { memo } from 'react'
import {
  voidedActs,
  batonTotals,
  describeEntry,
  formatRemaining,
  leadershipTimeline,
  type LogEntry,
  PARTICIPANT_COLORS,
  PARTICIPANTS_KEY,
  type ParticipantInfo,
  type PresentParticipant,
} from '@roundtable/shared'
import { useNow } from '../board/serverClock.tsx'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useYMap } from '../privacy/hooks.ts'

/** Someone who left keeps the colour the board knew them by (else one derived from their id). */
function colorFor(id: string, people: PresentParticipant[], known: Record<string, ParticipantInfo>): string {
  const present = people.find((p) => p.user.id === id)
  if (present) return present.user.color
  if (typeof known[id]?.color === 'string') return known[id].color
  let h = 0
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) | 0
  return PARTICIPANT_COLORS[Math.abs(h) % PARTICIPANT_COLORS.length]
}

/** Who led which stretch of the session, how long each person held the baton, and every act. */
export const TimelinePanel = memo(function TimelinePanel({ log, people }: { log: LogEntry[]; people: PresentParticipant[] }) {
  const now = useNow(5000, log.length > 0)
  const known = useYMap<ParticipantInfo>(useBoardContext().doc.getMap(PARTICIPANTS_KEY))
  const stretches = leadershipTimeline(log, now)
  const totals = batonTotals(log, now)
  const voided = voidedActs(log)
  const span = stretches.length ? stretches[stretches.length - 1].end - stretches[0].start : 0
  // The server's time of day, not this device's: every screen reads the same times.
  const timeOfDay = (at: number) =>
    new Date(at).toLocaleTimeString([], {
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
                title={`${s.holder?.name ?? 'Nobody'}: ${timeOfDay(s.start)}–${timeOfDay(s.end)}`}
                style={{
                  flexGrow: span ? Math.max((s.end - s.start) / span, 0.01) : 1,
                  background: s.holder ? colorFor(s.holder.id, people, known) : '#e9ecef',
                }}
              />
            ))}
          </div>
          <ul className="fac-totals" aria-label="Time holding the baton">
            {totals.map((t) => (
              <li key={t.id} data-total={t.name}>
                <span className="fac-dot" style={{ background: colorFor(t.id, people, known) }} aria-hidden />
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
                  <span className="fac-muted fac-at">{timeOfDay(e.at)}</span> <span className="fac-act">{describeEntry(e)}</span>
                </li>
              ))}
          </ol>
        </>
      )}
    </details>
  )
})
