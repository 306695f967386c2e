import { useCallback, useState } from 'react'
import { useValue, type TLShapeId } from 'tldraw'
import { isResolved, markOutcome, mentions, type OutcomeKind } from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { CanvasOverlay } from '../board/CanvasOverlay.tsx'
import { useServerClock } from '../board/serverClock.tsx'
import { isNote, noteText } from '../sensemaking/actions.ts'
import { ThreadPanel } from './ThreadPanel.tsx'
import { useOutcomeDoc } from './hooks.ts'
import './outcomes.css'

const KIND_LABEL: Record<OutcomeKind, string> = { decision: 'Decision', action: 'Action' }

/**
 * On the canvas: a comment badge with the count on every shape that has a thread, the look of
 * decisions and actions (an outline and a label), and, over the one selected shape, buttons to
 * comment on it or mark a note as a decision or an action. Opens a shape's thread beside it.
 */
export function OutcomesLayer() {
  const { doc, editor, participant, viewOnly } = useBoardContext()
  const state = useOutcomeDoc(doc)
  const clock = useServerClock()
  const [openThread, setOpenThread] = useState<string>()
  const [message, setMessage] = useState('')
  const { threads, outcomes, names } = state
  const close = useCallback(() => {
    setOpenThread(undefined)
    editor.focus()
  }, [editor])

  const shapeIds = [...new Set([...threads.keys(), ...outcomes.map((o) => o.shapeId)])]
  const boxes = useValue(
    'outcome boxes',
    () => {
      const page = editor.getCurrentPageId()
      return shapeIds.flatMap((id) => {
        const shape = editor.getShape(id as TLShapeId)
        const bounds = shape && editor.getAncestorPageId(shape) === page ? editor.getShapePageBounds(shape) : undefined
        if (!bounds) return []
        const topLeft = editor.pageToViewport({ x: bounds.minX, y: bounds.minY })
        const bottomRight = editor.pageToViewport({ x: bounds.maxX, y: bounds.maxY })
        return [{ id, x: topLeft.x, y: topLeft.y, w: bottomRight.x - topLeft.x, h: bottomRight.y - topLeft.y, text: noteText(shape!) }]
      })
    },
    [editor, shapeIds.join()],
  )
  // The selected shape, for the buttons over it: never while its text is being edited, and never a private draft.
  const selected = useValue(
    'outcome selection',
    () => {
      const shape = editor.getOnlySelectedShape()
      if (!shape || shape.meta.draft || editor.getEditingShapeId() || editor.isIn('select.translating')) return undefined
      const bounds = editor.getShapePageBounds(shape)
      if (!bounds) return undefined
      const p = editor.pageToViewport({ x: bounds.minX, y: bounds.minY })
      return { id: shape.id as string, note: isNote(shape), x: p.x, y: p.y }
    },
    [editor],
  )

  const mark = (id: string, kind: OutcomeKind | undefined) => {
    try {
      markOutcome(doc, { id: participant.id, name: participant.name }, id, kind, clock.now())
      setMessage('')
    } catch (err) {
      setMessage((err as Error).message)
    }
  }
  const selectedKind = selected && outcomes.find((o) => o.shapeId === selected.id)?.kind

  return (
    <>
      <CanvasOverlay>
        {boxes.map((b) => {
          const outcome = outcomes.find((o) => o.shapeId === b.id)
          const thread = threads.get(b.id)
          const open = thread && !isResolved(thread)
          const mentionsMe = open && thread.comments.some((c) => mentions(c.text, participant.name))
          const label = b.text.slice(0, 40) || 'shape'
          return (
            <div key={b.id}>
              {outcome && (
                <div
                  className={`oc-outcome oc-${outcome.kind}${outcome.done ? ' oc-done' : ''}`}
                  style={{ left: b.x, top: b.y, width: b.w, height: b.h }}
                  data-outcome={outcome.kind}
                >
                  <span className="oc-kind">
                    {KIND_LABEL[outcome.kind]}
                    {outcome.kind === 'action' &&
                      (outcome.done ? ' · done' : outcome.volunteers.length ? ` · ${outcome.volunteers.length}` : '')}
                  </span>
                </div>
              )}
              {thread && (
                <button
                  className={`oc-badge${open ? '' : ' oc-resolved'}${mentionsMe ? ' oc-mentions-me' : ''}`}
                  style={{ left: b.x + b.w - 14, top: b.y - 12 }}
                  onClick={() => setOpenThread(b.id)}
                  aria-label={`${thread.comments.length} comment${thread.comments.length === 1 ? '' : 's'} on “${label}”${open ? '' : ', resolved'}${mentionsMe ? ', mentions you' : ''}`}
                  data-comments={thread.comments.length}
                >
                  <BubbleIcon />
                  {thread.comments.length}
                </button>
              )}
            </div>
          )
        })}
        {selected && !viewOnly && openThread !== selected.id && (
          <div
            className="oc-selection-bar"
            style={{ left: selected.x, top: Math.max(4, selected.y - (selectedKind ? 62 : 40)) }}
            role="toolbar"
            aria-label="Selected shape"
          >
            <button onClick={() => setOpenThread(selected.id)}>
              <BubbleIcon /> {threads.has(selected.id) ? 'Comments' : 'Comment'}
            </button>
            {selected.note &&
              (['decision', 'action'] as const).map((kind) => (
                <button
                  key={kind}
                  aria-pressed={selectedKind === kind}
                  onClick={() => mark(selected.id, selectedKind === kind ? undefined : kind)}
                  title={selectedKind === kind ? `No longer a ${kind}` : `Mark this note as a ${kind}`}
                >
                  {KIND_LABEL[kind]}
                </button>
              ))}
          </div>
        )}
        {message && (
          <p className="oc-toast" role="alert">
            {message}
          </p>
        )}
      </CanvasOverlay>
      {openThread && <ThreadPanel shapeId={openThread} thread={threads.get(openThread)} names={names} onClose={close} />}
    </>
  )
}

function BubbleIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden focusable="false">
      <path d="M2 3h12v8H7l-3 3v-3H2z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
    </svg>
  )
}
