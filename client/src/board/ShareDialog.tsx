import { useEffect, useRef, useState } from 'react'

/**
 * The board's two links: the edit link (its id; whoever has it can change the board) and a
 * view-only link that does not reveal the edit link. A view-only visitor sees only the latter.
 */
export function ShareDialog(props: { boardId: string; viewOnly: boolean; onClose: () => void }) {
  const origin = location.origin
  const [viewPath, setViewPath] = useState<string | undefined>(props.viewOnly ? `/v/${props.boardId}` : undefined)
  const [error, setError] = useState<string>()

  useEffect(() => {
    if (props.viewOnly) return
    let cancelled = false
    fetch(`/api/boards/${encodeURIComponent(props.boardId)}/view-link`)
      .then(async (res) => {
        const body = await res.json()
        if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`)
        if (!cancelled) setViewPath(body.path)
      })
      .catch((err: Error) => !cancelled && setError(`Could not get the view-only link: ${err.message}`))
    return () => {
      cancelled = true
    }
  }, [props.boardId, props.viewOnly])

  return (
    <div
      className="dialog-backdrop"
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
      onClick={(e) => e.target === e.currentTarget && props.onClose()}
    >
      <div className="dialog share-dialog" role="dialog" aria-labelledby="share-title">
        <h2 id="share-title">Share this board</h2>
        {!props.viewOnly && (
          <LinkRow label="Edit link" hint="Anyone with this link can change the board." value={`${origin}/b/${props.boardId}`} />
        )}
        {viewPath ? (
          <LinkRow
            label="View-only link"
            hint="Shows the board live; it cannot be used to edit, and does not reveal the edit link."
            value={`${origin}${viewPath}`}
          />
        ) : (
          <p className="muted">{error ?? 'Getting the view-only link…'}</p>
        )}
        <div className="actions">
          <button type="button" className="primary" onClick={props.onClose} autoFocus>
            Done
          </button>
        </div>
      </div>
    </div>
  )
}

/** A read-only value with a button that copies it. */
export function LinkRow({ label, hint, value }: { label: string; hint: string; value: string }) {
  const [copied, setCopied] = useState(false)
  const id = `link-${label.replace(/\W+/g, '-').toLowerCase()}`
  const copy = async (input: HTMLInputElement | null) => {
    try {
      await navigator.clipboard.writeText(value)
    } catch {
      // No clipboard permission (plain http on another host): select it for Ctrl+C instead.
      input?.select()
      document.execCommand?.('copy')
    }
    setCopied(true)
    setTimeout(() => setCopied(false), 1500)
  }
  const inputRef = useRef<HTMLInputElement>(null)
  return (
    <div className="link-row">
      <label htmlFor={id}>{label}</label>
      <div className="link-field">
        <input id={id} readOnly value={value} ref={inputRef} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => copy(inputRef.current)} aria-label={`Copy ${label.toLowerCase()}`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <small className="muted">{hint}</small>
    </div>
  )
}
