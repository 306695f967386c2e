import { useEffect, useMemo, useRef, useState } from 'react'
import { useValue, type TLShapeId } from 'tldraw'
import { ballotKey, dotsUsed, formatRemaining, rankResults, votesMap, type Dots, type VoteState } from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useNow } from '../board/serverClock.tsx'
import { FormActions, StatusLine, TimeboxField, timeboxMinutes, timeboxMs } from '../board/panelParts.tsx'
import { CanvasOverlay } from '../board/CanvasOverlay.tsx'
import { noteText } from '../sensemaking/actions.ts'
import { useNoteIds } from '../sensemaking/useNoteIds.ts'
import { useConnected, useRequests, useYMap } from './hooks.ts'
import { Icon } from '../icons.tsx'

/**
 * Secret dot voting. Ballots go to the server under a key only this person can compute (from
 * their secret and the vote id; the server never learns whose ballot it is) and never enter the
 * doc; the doc shows a vote's settings, how many have voted and, once closed, the totals.
 */
export function VotePanel() {
  const { doc, provider, participant, editor, viewOnly } = useBoardContext()
  const rpc = useRequests(provider)
  const connected = useConnected(provider)
  const votes = useYMap<VoteState>(votesMap(doc))
  // The open vote if there is one (the server runs one at a time), else the latest.
  const vote = Object.values(votes).sort(
    (a, b) => Number(b.status === 'open') - Number(a.status === 'open') || b.startedAt - a.startedAt,
  )[0]
  const open = vote?.status === 'open'
  const now = useNow(500, open && vote.endsAt !== null)
  const [myDots, setMyDots] = useState<Dots>({})
  const [starting, setStarting] = useState(false)
  const [dismissed, setDismissed] = useState<string>()
  const [message, setMessage] = useState('')
  // The ballot as last confirmed, read by each click: quick clicks build on each other.
  const dotsRef = useRef<Dots>({})
  dotsRef.current = myDots
  const casting = useRef(Promise.resolve())

  const voteId = vote?.id
  const { id: participantId, secret } = participant
  // Proof of the participant id only for a vote from before ballot keys, whose ballot may be kept under it.
  const legacy = vote && !vote.ballotKeys
  const voter = useMemo(
    () => (voteId ? { ballotKey: ballotKey(secret, voteId), ...(legacy ? { legacyVoter: { participantId, secret } } : {}) } : undefined),
    [voteId, secret, participantId, legacy],
  )

  // Our own dots come from the server (after a reload, too); nobody else's ever do.
  useEffect(() => {
    setMyDots({})
    if (!voteId || !voter || !connected || viewOnly) return
    rpc.request('vote.mine', { voteId, ...voter }).then(
      (r) => setMyDots(r.dots),
      () => {},
    )
  }, [voteId, connected, viewOnly, rpc, voter])

  // The timebox closes the vote: any client that sees it run out asks the server.
  const endsAt = open ? vote.endsAt : null
  useEffect(() => {
    if (voteId && endsAt !== null && now >= endsAt && connected && !viewOnly)
      rpc.request('vote.close', { voteId, onlyIfEnded: true }).catch(() => {})
  }, [voteId, endsAt, now, connected, viewOnly, rpc])

  const fail = (err: unknown) => setMessage((err as Error).message)

  /** One ballot in flight at a time, each built on the one before. */
  function cast(shapeId: string, delta: number) {
    casting.current = casting.current.then(async () => {
      const dots = dotsRef.current
      const next = { ...dots, [shapeId]: Math.max(0, (dots[shapeId] ?? 0) + delta) }
      try {
        const r = await rpc.request('vote.cast', { voteId: vote.id, ...voter!, dots: next })
        dotsRef.current = r.dots
        setMyDots(r.dots)
        setMessage('')
      } catch (err) {
        fail(err)
      }
    })
  }

  const selectedNotes = useNoteIds(editor, 'selected', { withDrafts: false })
  const pageNotes = useNoteIds(editor, 'page', { withDrafts: false })

  async function start(settings: {
    useSelection: boolean
    perPerson: number
    allowMultiple: boolean
    showLive: boolean
    minutes: number | null
  }) {
    const shapeIds = settings.useSelection ? selectedNotes : pageNotes
    try {
      await rpc.request('vote.start', {
        shapeIds,
        perPerson: settings.perPerson,
        allowMultiple: settings.allowMultiple,
        showLive: settings.showLive,
        durationMs: timeboxMs(settings.minutes),
      })
      setStarting(false)
      setMessage('')
    } catch (err) {
      fail(err)
    }
  }

  const showResults = vote && !open && !starting && dismissed !== vote.id && vote.totals
  const left = open ? vote.perPerson - dotsUsed(myDots) : 0
  const status = <StatusLine className="pv-message">{message}</StatusLine>
  if (!open && !starting && !showResults) {
    // A viewer cannot start one: nothing to show until a vote runs.
    if (viewOnly) return null
    return (
      <section className="pv-panel pv-compact" aria-label="Dot vote">
        <button
          onClick={() => setStarting(true)}
          disabled={pageNotes.length === 0}
          title={pageNotes.length ? 'Everyone places dots on notes in secret; totals show when the vote closes' : 'Add sticky notes first'}
        >
          <Icon name="dot" /> Start a dot vote…
        </button>
        {status}
      </section>
    )
  }
  return (
    <section className="pv-panel" aria-label="Dot vote">
      <h2>Dot vote</h2>
      {open ? (
        <>
          <p className="pv-line">
            {vote.endsAt !== null && <span className="pv-timer">{formatRemaining(vote.endsAt - now)} left · </span>}
            <span data-testid="voter-count">
              {vote.voterCount} {vote.voterCount === 1 ? 'person has' : 'people have'} voted
            </span>
          </p>
          {viewOnly ? (
            <p className="pv-line muted">You are viewing: voting needs the board’s edit link.</p>
          ) : (
            <p className="pv-private" data-testid="dots-left">
              <Icon name="lock" /> You have <strong>{left}</strong> of {vote.perPerson} dot{vote.perPerson === 1 ? '' : 's'} left
              <span className="muted"> — only you see where they are; cursors are hidden while the vote is open</span>
            </p>
          )}
          <p className="pv-line muted">
            {vote.shapeIds.length} {vote.shapeIds.length === 1 ? 'note' : 'notes'} ·{' '}
            {vote.allowMultiple ? 'several dots per note allowed' : 'one dot per note'} ·{' '}
            {vote.showLive ? 'totals shown live' : 'totals hidden until the vote closes'}
          </p>
          {!viewOnly && (
            <button className="primary" onClick={() => rpc.request('vote.close', { voteId: vote.id }).catch(fail)}>
              Close vote and show results
            </button>
          )}
        </>
      ) : starting ? (
        <StartVote selected={selectedNotes.length} all={pageNotes.length} onStart={start} onCancel={() => setStarting(false)} />
      ) : null}
      {showResults && (
        <div className="pv-results">
          <h3>Results</h3>
          <ol aria-label="Ranked results">
            {rankResults(vote.shapeIds, vote.totals!).map((r) => {
              const shape = editor.getShape(r.shapeId as TLShapeId)
              return (
                <li key={r.shapeId}>
                  <button
                    className="pv-result"
                    onClick={() => shape && editor.select(shape.id).zoomToSelection({ animation: { duration: 200 } })}
                  >
                    <span className="pv-rank">#{r.rank}</span>
                    <span className="pv-text">{shape ? noteText(shape) || '(empty note)' : '(deleted note)'}</span>
                    <span className="pv-votes">
                      {r.votes} vote{r.votes === 1 ? '' : 's'}
                    </span>
                  </button>
                </li>
              )
            })}
          </ol>
          <div className="pv-actions">
            <button onClick={() => setDismissed(vote.id)}>Hide results</button>
            {!viewOnly && (
              <button onClick={() => setStarting(true)} disabled={pageNotes.length === 0}>
                New vote…
              </button>
            )}
          </div>
        </div>
      )}
      {status}
      {vote && (open || showResults) && <VoteOverlay vote={vote} myDots={myDots} onCast={cast} canAdd={left > 0} canVote={!viewOnly} />}
    </section>
  )
}

function StartVote({
  selected,
  all,
  onStart,
  onCancel,
}: {
  selected: number
  all: number
  onStart(s: { useSelection: boolean; perPerson: number; allowMultiple: boolean; showLive: boolean; minutes: number | null }): void
  onCancel(): void
}) {
  const [useSelection, setUseSelection] = useState(selected > 0)
  const [perPerson, setPerPerson] = useState('3')
  const [allowMultiple, setAllowMultiple] = useState(true)
  const [showLive, setShowLive] = useState(false)
  const [minutes, setMinutes] = useState('')
  return (
    <form
      className="pv-form"
      onSubmit={(e) => {
        e.preventDefault()
        onStart({ useSelection, perPerson: Number(perPerson), allowMultiple, showLive, minutes: timeboxMinutes(minutes) })
      }}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <fieldset>
        <legend>Vote on</legend>
        <label className="pv-check">
          <input type="radio" name="scope" checked={!useSelection} onChange={() => setUseSelection(false)} /> All {all} notes on this page
        </label>
        <label className="pv-check">
          <input type="radio" name="scope" disabled={selected === 0} checked={useSelection} onChange={() => setUseSelection(true)} /> The{' '}
          {selected} selected note
          {selected === 1 ? '' : 's'}
        </label>
      </fieldset>
      <label>
        Dots per person
        <input type="number" min="1" max="50" value={perPerson} onChange={(e) => setPerPerson(e.target.value)} />
      </label>
      <label className="pv-check">
        <input type="checkbox" checked={allowMultiple} onChange={(e) => setAllowMultiple(e.target.checked)} /> Several dots on one note
      </label>
      <label className="pv-check">
        <input type="checkbox" checked={showLive} onChange={(e) => setShowLive(e.target.checked)} /> Show totals while open
      </label>
      <TimeboxField value={minutes} onChange={setMinutes} />
      <FormActions submitLabel="Start vote" onCancel={onCancel} />
    </form>
  )
}

/** Under each note in the vote: my dots and +/- while open; the total once known. */
function VoteOverlay({
  vote,
  myDots,
  onCast,
  canAdd,
  canVote,
}: {
  vote: VoteState
  myDots: Dots
  onCast(id: string, delta: number): void
  canAdd: boolean
  canVote: boolean
}) {
  const { editor } = useBoardContext()
  const boxes = useValue(
    'vote boxes',
    () =>
      vote.shapeIds.flatMap((id) => {
        const shape = editor.getShape(id as TLShapeId)
        if (!shape || (shape.parentId !== editor.getCurrentPageId() && editor.getAncestorPageId(shape) !== editor.getCurrentPageId()))
          return []
        const b = editor.getShapePageBounds(shape)
        if (!b) return []
        const p = editor.pageToViewport({ x: b.midX, y: b.maxY })
        return [{ id, x: p.x, y: p.y, text: noteText(shape) }]
      }),
    [editor, vote.shapeIds],
  )
  const open = vote.status === 'open' && canVote
  return (
    <CanvasOverlay>
      {boxes.map((b) => {
        const mine = myDots[b.id] ?? 0
        const total = vote.totals?.[b.id]
        if (!open && total === undefined) return null
        const label = b.text.slice(0, 40) || 'note'
        return (
          <div key={b.id} className="pv-vote" style={{ left: b.x, top: b.y }} data-vote-note={b.text}>
            {open && (
              <>
                <button aria-label={`Remove a dot from “${label}”`} disabled={mine === 0} onClick={() => onCast(b.id, -1)}>
                  <Icon name="minus" />
                </button>
                <span className="pv-dots" data-my-dots={mine} role="img" aria-label={`${mine} of your dots`}>
                  {mine ? Array.from({ length: mine }, (_, i) => <Icon key={i} name="dot" />) : <Icon name="emptyDot" />}
                </span>
                <button
                  aria-label={`Add a dot to “${label}”`}
                  disabled={!canAdd || (!vote.allowMultiple && mine > 0)}
                  onClick={() => onCast(b.id, +1)}
                >
                  +
                </button>
              </>
            )}
            {total !== undefined && (
              <span className="pv-total" data-total={total}>
                {total} vote{total === 1 ? '' : 's'}
              </span>
            )}
          </div>
        )
      })}
    </CanvasOverlay>
  )
}
