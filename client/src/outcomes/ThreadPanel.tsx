import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { useValue, type TLShapeId } from 'tldraw'
import {
  addComment,
  deleteComment,
  editComment,
  isResolved,
  MAX_COMMENT_LENGTH,
  setResolved,
  type Comment,
  type Thread,
} from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useServerClock } from '../board/serverClock.tsx'
import { FormActions, StatusLine } from '../board/panelParts.tsx'
import { noteText } from '../sensemaking/actions.ts'
import { localStamp } from './hooks.ts'
import { MentionText } from './MentionText.tsx'
import { Icon } from '../icons.tsx'

const PANEL_WIDTH = 290

/** One shape's comment thread, beside the shape: read, reply, edit or delete your own, resolve or reopen. */
export function ThreadPanel({ shapeId, thread, names, onClose }: { shapeId: string; thread?: Thread; names: string[]; onClose(): void }) {
  const { doc, editor, participant, viewOnly } = useBoardContext()
  const clock = useServerClock()
  const [draft, setDraft] = useState('')
  const [editing, setEditing] = useState<string>()
  const [message, setMessage] = useState('')
  const input = useRef<HTMLTextAreaElement>(null)
  const me = { id: participant.id, name: participant.name }

  const place = useValue(
    'thread panel place',
    () => {
      const bounds = editor.getShapePageBounds(shapeId as TLShapeId)
      if (!bounds) return undefined
      const topRight = editor.pageToViewport({ x: bounds.maxX, y: bounds.minY })
      const screen = editor.getViewportScreenBounds()
      return {
        left: Math.max(8, Math.min(topRight.x + 12, screen.w - PANEL_WIDTH - 8)),
        top: Math.max(56, Math.min(topRight.y, screen.h - 320)),
      }
    },
    [editor, shapeId],
  )
  const title = useValue(
    'thread shape text',
    () => {
      const shape = editor.getShape(shapeId as TLShapeId)
      return shape ? noteText(shape).slice(0, 60) || `a ${shape.type}` : undefined
    },
    [editor, shapeId],
  )

  useEffect(() => {
    if (!viewOnly) input.current?.focus()
  }, [shapeId, viewOnly])
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => e.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])

  /** Runs a change to the thread; a broken rule is shown and nothing is written. */
  const act = (change: () => void) => {
    try {
      change()
      setMessage('')
      return true
    } catch (err) {
      setMessage((err as Error).message)
      return false
    }
  }
  const send = () => {
    if (act(() => addComment(doc, me, shapeId, draft, clock.now()))) setDraft('')
  }
  const sendOnCtrlEnter = (e: KeyboardEvent, submit: () => void) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      submit()
    }
  }
  const resolved = !!thread && isResolved(thread)

  return (
    <section
      className="oc-thread"
      aria-label={`Comments on ${title ? `“${title}”` : 'a removed shape'}`}
      style={place ? { left: place.left, top: place.top, width: PANEL_WIDTH } : undefined}
    >
      <header>
        <h2>{title ? `“${title}”` : 'On a removed shape'}</h2>
        <button className="oc-close" onClick={onClose} aria-label="Close comments">
          <Icon name="close" />
        </button>
      </header>
      {resolved && (
        <p className="oc-muted">
          Resolved by {thread.status!.byName} at {localStamp(thread.status!.at, clock.now())}
        </p>
      )}
      <ol className="oc-comments">
        {thread?.comments.map((c) => (
          <li key={c.id} data-comment-by={c.byName}>
            <div className="oc-meta">
              <strong>{c.byName}</strong> <time dateTime={new Date(c.at).toISOString()}>{localStamp(c.at, clock.now())}</time>
              {c.editedAt && <span className="oc-muted"> (edited)</span>}
            </div>
            {editing === c.id ? (
              <EditComment
                comment={c}
                onCancel={() => setEditing(undefined)}
                onSave={(text) => act(() => editComment(doc, me, c.id, text, clock.now())) && setEditing(undefined)}
                onKeyDown={sendOnCtrlEnter}
              />
            ) : (
              <p className="oc-text">
                <MentionText text={c.text} names={names} me={participant.name} />
              </p>
            )}
            {c.by === participant.id && !viewOnly && editing !== c.id && (
              <div className="oc-own">
                <button onClick={() => setEditing(c.id)}>Edit</button>
                <button onClick={() => act(() => deleteComment(doc, me, c.id))}>Delete</button>
              </div>
            )}
          </li>
        ))}
      </ol>
      {!viewOnly && (
        <>
          {title && (
            <form
              className="oc-reply"
              onSubmit={(e) => {
                e.preventDefault()
                send()
              }}
            >
              <textarea
                ref={input}
                aria-label={thread ? 'Reply' : 'Comment'}
                placeholder={thread ? 'Reply… (@Name to mention)' : 'Comment… (@Name to mention)'}
                value={draft}
                maxLength={MAX_COMMENT_LENGTH}
                rows={2}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={(e) => sendOnCtrlEnter(e, send)}
              />
              <div className="oc-actions">
                {thread && (
                  <button type="button" onClick={() => act(() => setResolved(doc, me, shapeId, !resolved, clock.now()))}>
                    {resolved ? 'Reopen' : 'Resolve'}
                  </button>
                )}
                <button type="submit" className="primary" disabled={!draft.trim()}>
                  {thread ? 'Reply' : 'Comment'}
                </button>
              </div>
            </form>
          )}
          {!title && thread && (
            <div className="oc-actions">
              <button onClick={() => act(() => setResolved(doc, me, shapeId, !resolved, clock.now()))}>
                {resolved ? 'Reopen' : 'Resolve'}
              </button>
            </div>
          )}
        </>
      )}
      <StatusLine className="oc-message">{message}</StatusLine>
    </section>
  )
}

function EditComment({
  comment,
  onSave,
  onCancel,
  onKeyDown,
}: {
  comment: Comment
  onSave(text: string): void
  onCancel(): void
  onKeyDown(e: KeyboardEvent, submit: () => void): void
}) {
  const [text, setText] = useState(comment.text)
  return (
    <form
      className="oc-reply"
      onSubmit={(e) => {
        e.preventDefault()
        onSave(text)
      }}
    >
      <textarea
        aria-label="Edit comment"
        autoFocus
        value={text}
        maxLength={MAX_COMMENT_LENGTH}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => onKeyDown(e, () => onSave(text))}
      />
      <FormActions submitLabel="Save" onCancel={onCancel} />
    </form>
  )
}
