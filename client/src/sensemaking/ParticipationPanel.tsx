import { useEffect, useState } from 'react'
import { useValue } from 'tldraw'
import {
  turnsTaken,
  boardParticipants,
  formatDuration,
  participation,
  recordParticipant,
  withEditor,
  leadershipTimeline,
  type BatonInterval,
  type ParticipantInfo,
} from '@roundtable/shared'
import { useFacilitationState } from '../facilitation/hooks.ts'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useServerClock } from '../board/serverClock.tsx'
import './sensemaking.css'

interface PresentUser {
  id: string
  name: string
  color: string
}

/**
 * How contribution is spread, to invite quieter voices: rows stay in arrival order and nobody
 * is ranked. Baton time comes from the facilitation log's leadership timeline.
 */
export function ParticipationPanel() {
  const { editor, doc, awareness, participant, viewOnly } = useBoardContext()
  const { log } = useFacilitationState(doc)
  // The log is in server time.
  const { now } = useServerClock()
  const baton: BatonInterval[] = leadershipTimeline(log, now()).flatMap((s) =>
    s.holder ? [{ participantId: s.holder.id, start: s.start, end: s.end }] : [],
  )
  const [open, setOpen] = useState(true)
  const [known, setKnown] = useState<Record<string, ParticipantInfo>>({})
  const [present, setPresent] = useState<PresentUser[]>([])

  // Keep our name in the doc so it still shows after we leave.
  useEffect(() => {
    if (!viewOnly) recordParticipant(doc, participant.id, { name: participant.name, color: participant.color }, now())
  }, [doc, participant.id, participant.name, participant.color, viewOnly, now])

  useEffect(() => {
    const map = boardParticipants(doc)
    const update = () => setKnown(map.toJSON())
    update()
    map.observe(update)
    return () => map.unobserve(update)
  }, [doc])

  useEffect(() => {
    const update = () => {
      const byId = new Map<string, PresentUser>()
      for (const state of awareness.getStates().values()) {
        const user = state.user as PresentUser | undefined
        if (user?.id) byId.set(user.id, user)
      }
      setPresent([...byId.values()])
    }
    update()
    awareness.on('change', update)
    return () => awareness.off('change', update)
  }, [awareness])

  // Attribution of edits: changing a shape someone else started adds us to its `editedBy`.
  useEffect(
    () =>
      editor.sideEffects.registerBeforeChangeHandler('shape', (_prev, next, source) => {
        if (source !== 'user') return next
        const editedBy = withEditor(next.meta, participant.id)
        return editedBy ? { ...next, meta: { ...next.meta, editedBy } } : next
      }),
    [editor, participant.id],
  )

  // Silent-brainstorm drafts are private until the reveal: they count for nobody yet.
  const shapes = useValue(
    'all shapes',
    () =>
      editor.store.query
        .records('shape')
        .get()
        .filter((s) => !s.meta.draft),
    [editor],
  )
  const summary = participation({ shapes, participants: known, present, baton, turns: turnsTaken(log), now: now() })
  const others = summary.notHeardFrom.filter((r) => r.id !== participant.id).map((r) => r.name)
  const invite = others.length
    ? `Not heard from yet: ${others.join(', ')}. Invite them in?`
    : summary.notHeardFrom.length && !viewOnly
      ? 'You have not added anything yet: jump in whenever you are ready.'
      : ''
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

  return (
    <section className="sm-panel sm-participation" aria-label="Participation balance">
      <button className="sm-panel-title" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Participation {open ? '▾' : '▸'}
      </button>
      {open && (
        <>
          {invite && <p className="sm-invite">{invite}</p>}
          <ul className="person-list">
            {summary.rows.map((r) => (
              <li key={r.id} data-participant={r.name} className={r.present ? '' : 'away'}>
                <span className="dot" style={{ background: r.color }} aria-hidden />
                <span className="sm-who">
                  {r.name}
                  {r.id === participant.id ? ' (you)' : ''}
                  {!r.present && <span className="muted"> · away</span>}
                </span>
                <span className="sm-counts">
                  {r.heard ? (
                    [
                      r.notes > 0 ? plural(r.notes, 'note') : '',
                      r.edits > 0 ? plural(r.edits, 'edit') : '',
                      summary.showVotes && r.votes > 0 ? plural(r.votes, 'vote') : '',
                      r.turns > 0 ? plural(r.turns, 'turn') : '',
                    ]
                      .filter(Boolean)
                      .join(' · ')
                  ) : (
                    <em>not heard from yet</em>
                  )}
                  {summary.showBaton && r.batonMs > 0 && ` · baton ${formatDuration(r.batonMs)}`}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
