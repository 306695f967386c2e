import { useEffect, useRef, useState } from 'react'
import { useValue, type TLPageId } from 'tldraw'
import {
  brainstormMap,
  DRAFTS_AWARENESS_FIELD,
  formatRemaining,
  revealArea,
  type DraftCount,
  type RoundSlots,
  type RoundState,
} from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useNow } from '../board/serverClock.tsx'
import { FormActions, StatusLine, TimeboxField, timeboxMinutes, timeboxMs } from '../board/panelParts.tsx'
import { CanvasOverlay } from '../board/CanvasOverlay.tsx'
import { zoomToUncovered } from '../board/viewport.ts'
import { useConnected, useDraftCounts, useRequests, useYMap } from './hooks.ts'
import { anchorOnThisPage, usePublishDrafts } from './usePublishDrafts.ts'
import { Icon } from '../icons.tsx'

/**
 * Silent brainstorm: while a round runs, new sticky notes are private drafts on this device;
 * others see only how many each person has. At the reveal every client publishes its drafts
 * (anonymously through the server when the round says so).
 */
export function BrainstormPanel() {
  const { doc, awareness, provider, editor, viewOnly } = useBoardContext()
  const rpc = useRequests(provider)
  const connected = useConnected(provider)
  const state = useYMap<unknown>(brainstormMap(doc))
  const round = state.round as RoundState | undefined
  const active = !!round && round.revealedAt === null
  const now = useNow(500, active && round.endsAt !== null)
  const [starting, setStarting] = useState(false)
  const [message, setMessage] = useState('')
  const { ask, choose } = usePublishDrafts({ round, connected, rpc, onMessage: setMessage })
  const roundRef = useRef(round)
  roundRef.current = round

  // During a round, every note this person makes is a draft.
  useEffect(
    () =>
      editor.sideEffects.registerBeforeCreateHandler('shape', (shape, source) => {
        const r = roundRef.current
        if (source !== 'user' || shape.type !== 'note' || !r || r.revealedAt !== null || shape.meta.draft) return shape
        return { ...shape, meta: { ...shape.meta, draft: r.roundId } }
      }),
    [editor],
  )

  const roundId = round?.roundId
  const myDrafts = useValue('my drafts', () => (roundId ? editor.getCurrentPageShapes().filter((s) => s.meta.draft === roundId) : []), [
    editor,
    roundId,
  ])

  useEffect(() => {
    const field: DraftCount | null = active && roundId ? { roundId, count: myDrafts.length } : null
    awareness.setLocalStateField(DRAFTS_AWARENESS_FIELD, field)
  }, [awareness, active, roundId, myDrafts.length])

  const others = useDraftCounts(awareness, roundId)

  // Good news fades; a problem stays until something changes.
  useEffect(() => {
    if (!message.startsWith('Published')) return
    const timer = setTimeout(() => setMessage(''), 10_000)
    return () => clearTimeout(timer)
  }, [message])

  // The timer reveals for everyone: any client that sees it run out asks the server, which
  // goes by its own clock.
  const endsAt = active ? round.endsAt : null
  useEffect(() => {
    if (roundId && endsAt !== null && now >= endsAt && connected && !viewOnly) {
      rpc.request('round.reveal', { roundId, onlyIfEnded: true }).catch(() => {})
    }
  }, [roundId, endsAt, now, connected, viewOnly, rpc])

  function reveal() {
    if (round) rpc.request('round.reveal', { roundId: round.roundId }).catch((err) => setMessage((err as Error).message))
  }

  async function start(prompt: string, minutes: number | null, anonymous: boolean) {
    try {
      await rpc.request('round.start', {
        prompt,
        durationMs: timeboxMs(minutes),
        anonymous,
        pageId: editor.getCurrentPageId(),
        anchor: anchorOnThisPage(editor),
      })
      setStarting(false)
      setMessage('')
    } catch (err) {
      setMessage((err as Error).message)
    }
  }

  const slots = state.slots as RoundSlots | undefined
  const notesRevealed = round && slots?.roundId === round.roundId ? slots.used : 0
  // Show the reveal to people who were here for it, until they move on.
  const [revealSeen, setRevealSeen] = useState<string>()
  const wasActive = useRef(active)
  const revealedAt = round?.revealedAt
  useEffect(() => {
    if (wasActive.current && !active && roundId && revealedAt) setRevealSeen(roundId)
    wasActive.current = active
  }, [active, roundId, revealedAt])
  const showReveal = !active && !starting && round && revealSeen === round.roundId

  function showRevealedNotes() {
    if (!round || !notesRevealed) return
    const area = revealArea(round.anchor, notesRevealed)
    if (editor.getCurrentPageId() !== round.pageId && editor.getPage(round.pageId as TLPageId))
      editor.setCurrentPage(round.pageId as TLPageId)
    zoomToUncovered(editor, area, { inset: 48, rightColumn: true })
  }

  const status = <StatusLine className="pv-message">{message}</StatusLine>

  if (ask) {
    const n = ask.count
    const drafts = `${n} draft${n === 1 ? '' : 's'}`
    const them = n === 1 ? 'it' : 'them'
    const why = {
      late: `You were away when this anonymous round was revealed. Your ${drafts} ${n === 1 ? 'is' : 'are'} still only on this device.`,
      alone: `Nobody else’s notes came in with yours. Your ${drafts} ${n === 1 ? 'is' : 'are'} still only on this device.`,
      unknown: `${n === 1 ? 'A draft' : `${n} drafts`} from an earlier round ${n === 1 ? 'is' : 'are'} still only on this device.`,
    }[ask.reason]
    return (
      <section className="pv-panel" aria-label="Silent brainstorm">
        <h2>Silent brainstorm</h2>
        <p className="pv-private" data-testid="late-drafts">
          <Icon name="lock" /> {why}
          <span className="muted">
            {ask.reason === 'unknown'
              ? ` Published, ${n === 1 ? 'it' : 'they'} will show your name.`
              : ` Published now, on ${n === 1 ? 'its' : 'their'} own, others could guess ${n === 1 ? 'it is' : 'they are'} yours.`}
          </span>
        </p>
        <div className="pv-actions">
          <button onClick={() => choose('delete')}>Delete {them}</button>
          <button className="primary" onClick={() => choose('publish')}>
            {ask.reason === 'unknown' ? 'Publish with my name' : 'Publish anyway'}
          </button>
        </div>
        {status}
        <DraftOverlay />
      </section>
    )
  }
  if (!active && !starting && !showReveal) {
    // A viewer cannot start one: nothing to show until a round runs.
    if (viewOnly) return null
    return (
      <section className="pv-panel pv-compact" aria-label="Silent brainstorm">
        <button onClick={() => setStarting(true)} title="Everyone writes sticky notes privately, then all are revealed at once">
          <Icon name="silent" /> Start a silent round…
        </button>
        {status}
        <DraftOverlay />
      </section>
    )
  }
  return (
    <section className="pv-panel" aria-label="Silent brainstorm">
      <h2>Silent brainstorm</h2>
      {active ? (
        <>
          {round.prompt && <p className="pv-prompt">{round.prompt}</p>}
          <p className="pv-line">
            {round.endsAt !== null && <span className="pv-timer">{formatRemaining(round.endsAt - now)} left · </span>}
            {round.anonymous ? 'Anonymous reveal' : 'Reveal with names'}
          </p>
          {viewOnly ? (
            <p className="pv-line muted">You are viewing: people with the edit link are writing privately.</p>
          ) : (
            <p className="pv-private" data-testid="my-draft-count">
              <Icon name="lock" /> Your private drafts: <strong>{myDrafts.length}</strong>
              <span className="muted"> — press N and click to add one; only you can see them</span>
            </p>
          )}
          {others.length > 0 && (
            <ul className="pv-counts" aria-label="Drafts per person">
              {others.map((o) => (
                <li key={o.clientId} data-drafts-of={o.name}>
                  <span className="dot" style={{ background: o.color }} /> {o.name}: {o.count} draft{o.count === 1 ? '' : 's'}
                </li>
              ))}
            </ul>
          )}
          {!viewOnly && (
            <button className="primary" onClick={reveal}>
              Reveal everyone’s notes
            </button>
          )}
        </>
      ) : starting ? (
        <StartRound onStart={start} onCancel={() => setStarting(false)} />
      ) : (
        <>
          <p className="pv-line" data-testid="revealed-count">
            Revealed {notesRevealed} note{notesRevealed === 1 ? '' : 's'}
            {round!.anonymous ? ', with no names' : ''}.
          </p>
          <div className="pv-actions">
            <button onClick={() => setRevealSeen(undefined)}>Done</button>
            <button className="primary" disabled={!notesRevealed} onClick={showRevealedNotes}>
              Show the notes
            </button>
          </div>
        </>
      )}
      {status}
      <DraftOverlay />
    </section>
  )
}

function StartRound({
  onStart,
  onCancel,
}: {
  onStart(prompt: string, minutes: number | null, anonymous: boolean): void
  onCancel(): void
}) {
  const [prompt, setPrompt] = useState('')
  const [minutes, setMinutes] = useState('5')
  const [anonymous, setAnonymous] = useState(false)
  return (
    <form
      className="pv-form"
      onSubmit={(e) => {
        e.preventDefault()
        onStart(prompt.trim(), timeboxMinutes(minutes), anonymous)
      }}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <label>
        Prompt (shown to everyone)
        <input autoFocus value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="e.g. What slows us down?" />
      </label>
      <TimeboxField value={minutes} onChange={setMinutes} />
      <label className="pv-check">
        <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} /> Publish anonymously
      </label>
      <FormActions submitLabel="Start round" onCancel={onCancel} />
    </form>
  )
}

/** A dashed frame and a lock over each draft on the page: it is visibly only on this screen. */
function DraftOverlay() {
  const { editor } = useBoardContext()
  const boxes = useValue(
    'draft boxes',
    () =>
      editor
        .getCurrentPageShapes()
        .filter((s) => s.meta.draft)
        .flatMap(({ id }) => {
          const b = editor.getShapePageBounds(id)
          if (!b) return []
          const tl = editor.pageToViewport({ x: b.minX, y: b.minY })
          const zoom = editor.getZoomLevel()
          return [{ id, x: tl.x - 5, y: tl.y - 5, w: b.w * zoom + 10, h: b.h * zoom + 10 }]
        }),
    [editor],
  )
  return (
    <CanvasOverlay hidden>
      {boxes.map((b) => (
        <div key={b.id} className="pv-draft" style={{ left: b.x, top: b.y, width: b.w, height: b.h }}>
          <span>
            <Icon name="lock" /> Private draft
          </span>
        </div>
      ))}
    </CanvasOverlay>
  )
}
