import { useEffect, useRef, useState } from 'react'
import { useValue, type Editor, type TLShapeId } from 'tldraw'
import {
  moveFrame,
  moveFrameTo,
  presentationState,
  readingOrder,
  showFrame,
  startPresenting,
  stopPresenting,
  type Actor,
  type LogEntry,
  type PresentParticipant,
  type Presentation,
} from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { typingIn } from './keys.ts'
import { actingDelay } from './actingOrder.ts'
import { useServerClock } from '../board/serverClock.tsx'
import { uncoveredScreenArea, zoomToUncovered } from '../board/viewport.ts'
import { Icon } from '../icons.tsx'

/** A free area narrower than this is no place to show a frame. */
const SLIVER_PX = 240

/** How long a presenter must be gone before the presentation ends: a reload or a short drop is not leaving. */
const AWAY_GRACE_MS = 4000

/** The frames at the top of the current page, where they are; only while `wanted` (a board of thousands of notes changes often). */
function useFrames(editor: Editor, wanted: boolean) {
  return useValue(
    'frames',
    () =>
      wanted
        ? editor.getSortedChildIdsForParent(editor.getCurrentPageId()).flatMap((id) => {
            const s = editor.getShape(id)
            const b = s?.type === 'frame' && editor.getShapePageBounds(s)
            return b
              ? [
                  {
                    id: s.id as string,
                    name: String((s.props as { name?: string }).name || 'Untitled frame'),
                    x: b.x,
                    y: b.y,
                    w: b.w,
                    h: b.h,
                  },
                ]
              : []
          })
        : [],
    [editor, wanted],
  )
}

/** "Present frames": the frames in reading order or the order the presenter puts them in, and Start. */
export function PresentPanel({ me, log }: { me: Actor; log: LogEntry[] }) {
  const { doc, editor } = useBoardContext()
  const clock = useServerClock()
  const [open, setOpen] = useState(false)
  const frames = useFrames(editor, open)
  const active = presentationState(log).active
  const [order, setOrder] = useState<string[]>()
  const [confirming, setConfirming] = useState(false)
  // Frames the presenter arranged stay in their order; new ones join at the end in reading order.
  const reading = readingOrder(frames)
  const ordered = order
    ? [...order.flatMap((id) => reading.find((f) => f.id === id) ?? []), ...reading.filter((f) => !order.includes(f.id))]
    : reading
  const move = (index: number, direction: -1 | 1) => setOrder(moveFrame(ordered, index, direction).map((f) => f.id))
  // Drag a frame in the list to reorder it (the arrows do the same from the keyboard).
  const dragged = useRef<number>(undefined)
  const drop = (to: number) => {
    if (dragged.current !== undefined) setOrder(moveFrameTo(ordered, dragged.current, to).map((f) => f.id))
    dragged.current = undefined
  }
  const start = () => {
    startPresenting(
      doc,
      me,
      ordered.map(({ id, name }) => ({ id, name })),
      clock.now(),
    )
    setConfirming(false)
  }
  const someoneElse = active && active.presenter.id !== me.id ? active.presenter.name : undefined

  return (
    <details className="fac-panel fac-present" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <h2>Present frames</h2>
        {active && (
          <span className="fac-muted"> · {active.presenter.id === me.id ? 'you are presenting' : `${active.presenter.name} presents`}</span>
        )}
      </summary>
      {frames.length === 0 ? (
        <p className="fac-muted">No frames on this page: add a template or group notes into a frame.</p>
      ) : (
        <>
          <ol className="fac-frame-list" aria-label="Frames to present">
            {ordered.map((f, i) => (
              <li
                key={f.id}
                data-frame={f.name}
                draggable
                onDragStart={() => (dragged.current = i)}
                onDragOver={(e) => e.preventDefault()}
                onDrop={() => drop(i)}
              >
                <span className="fac-muted">{i + 1}.</span>
                <span className="fac-frame-name">{f.name}</span>
                <span className="fac-row-actions">
                  <button className="fac-small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${f.name} earlier`}>
                    <Icon name="caretUp" />
                  </button>
                  <button
                    className="fac-small"
                    disabled={i === ordered.length - 1}
                    onClick={() => move(i, 1)}
                    aria-label={`Move ${f.name} later`}
                  >
                    <Icon name="caretDown" />
                  </button>
                </span>
              </li>
            ))}
          </ol>
          {confirming && someoneElse ? (
            <div className="fac-offer" role="alertdialog" aria-label="Take over the presentation">
              <span>{someoneElse} is presenting. Take over?</span>
              <button className="fac-small" onClick={start}>
                Take over
              </button>
              <button className="fac-small" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <div className="fac-round-actions">
              <button className="fac-primary" onClick={() => (someoneElse ? setConfirming(true) : start())}>
                {active?.presenter.id === me.id ? 'Start again' : 'Start presenting'}
              </button>
              {order && <button onClick={() => setOrder(undefined)}>Reading order</button>}
            </div>
          )}
        </>
      )}
    </details>
  )
}

/**
 * Everyone's side of a presentation: the frame shown fitted to this screen, the bar with
 * Previous/Next (and the arrow keys) for the presenter, and for others "Rejoin presentation"
 * once they moved the canvas away, exactly like a summon: nothing holds anyone's view.
 */
export function PresentationBar({ me, log, people }: { me: Actor; log: LogEntry[]; people: PresentParticipant[] }) {
  const { doc, editor, viewOnly } = useBoardContext()
  const clock = useServerClock()
  const active = presentationState(log).active
  const presenting = active?.presenter.id === me.id
  const [steppedOut, setSteppedOut] = useState(false)
  const index = active?.index ?? 0
  const step = (to: number) => showFrame(doc, me, to, clock.now())
  useFollowPresentation(editor, active, presenting, steppedOut, setSteppedOut)
  usePresenterKeys(presenting ? (d) => step(index + d) : undefined, editor)
  usePresenterGone(me, active, people, viewOnly)
  if (!active) return null
  const frame = active.frames[active.index]
  const where = `${active.index + 1}/${active.frames.length}`

  return (
    <div className="fac-present-bar" role="region" aria-label="Presentation" data-presenting-frame={frame.name}>
      <span className="fac-present-text">
        {presenting ? 'Presenting' : `${active.presenter.name} is presenting`} · {where} <strong>{frame.name}</strong>
      </span>
      {presenting ? (
        <>
          <button disabled={index === 0} onClick={() => step(index - 1)} title="Left arrow">
            <Icon name="previous" /> Previous
          </button>
          <button className="fac-primary" disabled={index === active.frames.length - 1} onClick={() => step(index + 1)} title="Right arrow">
            Next <Icon name="next" />
          </button>
          <button onClick={() => stopPresenting(doc, me, clock.now())}>Stop</button>
        </>
      ) : (
        steppedOut && (
          <button className="fac-primary" onClick={() => setSteppedOut(false)}>
            Rejoin presentation
          </button>
        )
      )}
    </div>
  )
}

/** Shows the current frame, fitted to this screen, unless we stepped out; moving the canvas steps out. */
function useFollowPresentation(
  editor: Editor,
  active: Presentation | undefined,
  presenting: boolean,
  steppedOut: boolean,
  setSteppedOut: (out: boolean) => void,
) {
  const placed = useRef<{ x: number; y: number; z: number }>(undefined)
  const frameId = active?.frames[active.index]?.id
  // A resized window (or a phone turned) fits the frame again.
  const screen = useValue('screen size', () => `${editor.getViewportScreenBounds().w}x${editor.getViewportScreenBounds().h}`, [editor])
  // A new presentation (or a takeover) brings everyone in again; a step does not.
  useEffect(() => setSteppedOut(false), [active?.id, presenting, setSteppedOut])
  useEffect(() => {
    placed.current = undefined
    if (!frameId || steppedOut) return
    const shape = editor.getShape(frameId as TLShapeId)
    if (!shape) return
    const pageId = editor.getAncestorPageId(shape)
    if (pageId && pageId !== editor.getCurrentPageId()) editor.setCurrentPage(pageId)
    editor.stopFollowingUser()
    const bounds = editor.getShapePageBounds(shape)!
    // On a phone the panels leave a sliver: the frame then takes the whole screen, under them.
    if (uncoveredScreenArea(editor, { rightColumn: true }).w < SLIVER_PX) editor.zoomToBounds(bounds, { inset: 16, targetZoom: 2 })
    else zoomToUncovered(editor, bounds, { inset: 24, maxZoom: 2, rightColumn: true })
    placed.current = editor.getCamera()
    // The presenter moves freely without a "Rejoin": their next step brings them back anyway.
    if (presenting) return
    return editor.store.listen(
      () => {
        const c = editor.getCamera()
        const p = placed.current
        if (p && (Math.abs(c.x - p.x) > 1 || Math.abs(c.y - p.y) > 1 || Math.abs(c.z - p.z) > 0.001)) setSteppedOut(true)
      },
      { scope: 'session' },
    )
  }, [editor, frameId, steppedOut, presenting, setSteppedOut, screen])
}

/** Left and right arrows step the presentation, unless typing or moving selected shapes (tldraw's nudge). */
function usePresenterKeys(step: ((direction: -1 | 1) => void) | undefined, editor: Editor) {
  const stepRef = useRef(step)
  stepRef.current = step
  const on = !!step
  useEffect(() => {
    if (!on) return
    const onKey = (e: KeyboardEvent) => {
      if ((e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return
      if (typingIn(e.target) || editor.getSelectedShapeIds().length > 0) return
      e.preventDefault()
      e.stopPropagation()
      stepRef.current?.(e.key === 'ArrowRight' ? 1 : -1)
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [on, editor])
}

/** The presenter leaving ends the presentation for all: written by one device (see actingDelay). */
function usePresenterGone(me: Actor, active: Presentation | undefined, people: PresentParticipant[], viewOnly: boolean) {
  const { doc } = useBoardContext()
  const clock = useServerClock()
  const gone = !!active && !people.some((p) => p.user.id === active.presenter.id)
  const delay = actingDelay(me.id, people)
  useEffect(() => {
    if (!gone || viewOnly) return
    const timer = setTimeout(() => stopPresenting(doc, me, clock.now(), 'away'), AWAY_GRACE_MS + delay)
    return () => clearTimeout(timer)
  }, [gone, viewOnly, delay, doc, me, clock])
}
