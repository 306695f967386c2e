import { useEffect, useState } from 'react'
import { useValue } from 'tldraw'
import {
  turnsTaken,
  batonHolder,
  boardParticipants,
  brainstormMap,
  commentCounts,
  commentsMap,
  draftCountsByParticipant,
  formatDuration,
  invitation,
  participation,
  recordParticipant,
  silentRoundCredits,
  withEditor,
  leadershipTimeline,
  type BatonInterval,
  type ParticipantInfo,
  type RoundState,
} from '@roundtable/shared'
import { useFacilitationState } from '../facilitation/hooks.ts'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useNow, useServerClock } from '../board/serverClock.tsx'
import { useYMap } from '../privacy/hooks.ts'
import './sensemaking.css'
import { Icon } from '../icons.tsx'

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
  // The log is in server time, and so is the page clock; re-read while someone holds the baton.
  const { now, estimate } = useServerClock()
  const serverNow = useNow(15_000, !!batonHolder(log))
  const baton: BatonInterval[] = leadershipTimeline(log, serverNow).flatMap((s) =>
    s.holder ? [{ participantId: s.holder.id, start: s.start, end: s.end }] : [],
  )
  const comments = useYMap<unknown>(commentsMap(doc))
  const brainstorm = useYMap<unknown>(brainstormMap(doc))
  const [open, setOpen] = useState(true)
  const [known, setKnown] = useState<Record<string, ParticipantInfo>>({})
  const [present, setPresent] = useState<PresentUser[]>([])
  const [drafting, setDrafting] = useState<string[]>([])
  const round = brainstorm.round as RoundState | undefined
  const liveRoundId = round && round.revealedAt === null ? round.roundId : undefined

  // Keep our name in the doc so it still shows after we leave. "First seen" orders the report's
  // "Who took part": it waits for the server's clock rather than trust this device's.
  const clockKnown = estimate !== undefined
  useEffect(() => {
    if (!viewOnly && clockKnown) recordParticipant(doc, participant.id, { name: participant.name, color: participant.color }, now())
  }, [doc, participant.id, participant.name, participant.color, viewOnly, now, clockKnown])

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
      // Those writing in the running round are taking part: their counts are on everyone's screen.
      const writing = liveRoundId ? Object.keys(draftCountsByParticipant(awareness.getStates().values(), liveRoundId)) : []
      setDrafting((old) => (old.join() === writing.join() ? old : writing))
    }
    update()
    awareness.on('change', update)
    return () => awareness.off('change', update)
  }, [awareness, liveRoundId])

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
  const summary = participation({
    shapes,
    participants: known,
    present,
    baton,
    turns: turnsTaken(log),
    comments: commentCounts(Object.values(comments)),
    silentRounds: silentRoundCredits(brainstorm),
    drafting,
    now: serverNow,
  })
  const invite = invitation(summary, participant.id, !viewOnly)
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

  return (
    <section className="sm-panel sm-participation" aria-label="Participation balance">
      <h2 className="sm-panel-heading">
        <button className="sm-panel-title" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          Participation <Icon name={open ? 'caretDown' : 'next'} />
        </button>
      </h2>
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
                      r.comments > 0 ? plural(r.comments, 'comment') : '',
                      r.silentRounds === 1
                        ? 'wrote in the silent round'
                        : r.silentRounds > 1
                          ? `wrote in ${r.silentRounds} silent rounds`
                          : '',
                      r.drafting ? 'writing drafts' : '',
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
