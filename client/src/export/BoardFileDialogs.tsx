import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react'
import { TldrawImage, type TLStoreSnapshot } from 'tldraw'
import { newBoardId } from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { navigate } from '../App.tsx'
import { buildExport, download, type ExportFormat, type ImageArea } from './exportBoard.ts'
import { mergeIntoCurrentPage } from './importBoard.ts'
import { readImportFile, setPendingImport } from './pendingImport.ts'
import './export.css'

export type BoardDialog = 'export' | 'import' | 'history'

/**
 * A small panel. Modal (export, import): closes on Escape wherever focus is, on its close button
 * or a click outside, and Tab stays inside. Docked (history): sits at the right edge without
 * covering the board, so people watch a restore happen; Escape inside it closes it.
 */
function Dialog({ title, onClose, children, docked }: { title: string; onClose: () => void; children: ReactNode; docked?: boolean }) {
  const ref = useRef<HTMLDivElement>(null)
  const close = useRef(onClose)
  close.current = onClose
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, select, button:not(.bf-close)')?.focus()
    if (docked) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        close.current()
      } else if (!ref.current?.contains(document.activeElement)) {
        // Focus fell out (a button that just got disabled): keys stay with the dialog, not the canvas.
        if (e.key === 'Tab') {
          e.preventDefault()
          ref.current?.querySelector<HTMLElement>('input:not(:disabled), select, button:not(:disabled)')?.focus()
        }
        e.stopPropagation()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [docked])
  const trapTab = (e: ReactKeyboardEvent) => {
    if (e.key !== 'Tab' || docked) return
    const focusable = [...ref.current!.querySelectorAll<HTMLElement>('input:not(:disabled), select:not(:disabled), button:not(:disabled)')]
    const [first, last] = [focusable[0], focusable[focusable.length - 1]]
    if (e.shiftKey && document.activeElement === first) (e.preventDefault(), last.focus())
    else if (!e.shiftKey && document.activeElement === last) (e.preventDefault(), first.focus())
  }
  const panel = (
    <div
      ref={ref}
      className={`bf-dialog${docked ? ' bf-docked' : ''}`}
      role="dialog"
      aria-modal={!docked}
      aria-label={title}
      onKeyDown={(e) => {
        if (docked && e.key === 'Escape') onClose()
        trapTab(e)
        // Typing in the panel must not trigger the canvas's shortcuts.
        e.stopPropagation()
      }}
    >
      <header>
        <h2>{title}</h2>
        <button className="bf-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </div>
  )
  if (docked) return panel
  return (
    <div className="bf-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      {panel}
    </div>
  )
}

const FORMATS: { value: ExportFormat; label: string; hint: string }[] = [
  { value: 'png', label: 'PNG image', hint: 'for slides' },
  { value: 'svg', label: 'SVG image', hint: 'sharp at any size' },
  { value: 'md', label: 'Markdown report', hint: 'for a wiki or an email' },
  { value: 'tldr', label: '.tldr file', hint: 'opens in tldraw' },
  { value: 'json', label: 'JSON snapshot', hint: 'the whole board with agenda and timeline, to import again' },
]

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { editor, doc } = useBoardContext()
  const [format, setFormat] = useState<ExportFormat>('png')
  const [area, setArea] = useState<ImageArea>(() => (editor.getSelectedShapeIds().length ? 'selection' : 'board'))
  const [scale, setScale] = useState(2)
  const [progress, setProgress] = useState<{ fraction: number; label: string }>()
  const [error, setError] = useState('')
  const image = format === 'png' || format === 'svg'

  const run = async () => {
    setError('')
    setProgress({ fraction: 0, label: 'Starting…' })
    try {
      const { blob, name, note } = await buildExport(editor, doc, { format, area, scale }, (fraction, label) =>
        setProgress({ fraction, label }),
      )
      download(blob, name)
      setProgress({ fraction: 1, label: `Saved ${name}${note ? ` (${note})` : ''}` })
    } catch (err) {
      setProgress(undefined)
      setError((err as Error).message)
    }
  }

  return (
    <Dialog title="Export" onClose={onClose}>
      <fieldset>
        <legend>Format</legend>
        {FORMATS.map((f) => (
          <label key={f.value} className="bf-option">
            <input type="radio" name="bf-format" value={f.value} checked={format === f.value} onChange={() => setFormat(f.value)} />
            <span>
              {f.label} <span className="bf-muted">— {f.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {image && (
        <div className="bf-row">
          <label>
            Area{' '}
            <select value={area} onChange={(e) => setArea(e.target.value as ImageArea)}>
              <option value="board">Whole board</option>
              <option value="frame">Current frame</option>
              <option value="selection">Selection</option>
            </select>
          </label>
          {format === 'png' && (
            <label>
              Scale{' '}
              <select value={scale} onChange={(e) => setScale(Number(e.target.value))}>
                <option value={1}>1×</option>
                <option value={2}>2×</option>
                <option value={3}>3×</option>
                <option value={4}>4×</option>
              </select>
            </label>
          )}
        </div>
      )}
      {error && (
        <p className="bf-error" role="alert">
          {error}
        </p>
      )}
      <div className="bf-status" role="status" aria-live="polite">
        {progress && (
          <>
            <progress value={progress.fraction} max={1} />
            <span>{progress.label}</span>
          </>
        )}
      </div>
      <div className="bf-actions">
        <button className="bf-primary" onClick={run} disabled={!!progress && progress.fraction < 1}>
          Export
        </button>
      </div>
    </Dialog>
  )
}

export function ImportDialog({ onClose }: { onClose: () => void }) {
  const { editor, doc } = useBoardContext()
  const [target, setTarget] = useState<'new' | 'here'>('new')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  const onFile = async (file: File | undefined) => {
    if (!file) return
    setError('')
    setBusy(true)
    try {
      const ready = await readImportFile(file, { into: target === 'here' ? doc : undefined })
      if (target === 'new') {
        const id = newBoardId()
        setPendingImport(id, ready)
        onClose()
        navigate(`/b/${id}`)
      } else {
        mergeIntoCurrentPage(editor, ready.records)
        onClose()
      }
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title="Import" onClose={onClose}>
      <fieldset>
        <legend>Where to</legend>
        <label className="bf-option">
          <input type="radio" name="bf-target" checked={target === 'new'} onChange={() => setTarget('new')} />
          Into a new board
        </label>
        <label className="bf-option">
          <input type="radio" name="bf-target" checked={target === 'here'} onChange={() => setTarget('here')} />
          Into this board, beside what is here
        </label>
      </fieldset>
      <label className="bf-file">
        Choose a .tldr file or a Roundtable JSON snapshot
        <input type="file" accept=".tldr,.json,application/json" disabled={busy} onChange={(e) => onFile(e.target.files?.[0])} />
      </label>
      {error && (
        <p className="bf-error" role="alert">
          {error} This board was not changed.
        </p>
      )}
    </Dialog>
  )
}

interface SnapshotInfo {
  id: string
  name: string
  kind: 'named' | 'auto' | 'before-restore'
  createdBy?: string
  createdAt: number
}

const KIND_LABEL: Record<SnapshotInfo['kind'], string | undefined> = {
  named: undefined,
  auto: 'automatic',
  'before-restore': 'saved before a restore',
}

async function apiCall<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: init?.body ? { 'content-type': 'application/json' } : undefined })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(body.error ?? `The server answered ${res.status}`)
  return body as T
}

export function HistoryDialog({ onClose }: { onClose: () => void }) {
  // With a view-only link, boardId is the view token: the server lets it read snapshots, not write.
  const { boardId, participant, viewOnly } = useBoardContext()
  const [snapshots, setSnapshots] = useState<SnapshotInfo[]>()
  const [name, setName] = useState('')
  const [message, setMessage] = useState('')
  const [error, setError] = useState('')
  const [preview, setPreview] = useState<{ info: SnapshotInfo; snapshot: TLStoreSnapshot }>()
  const [confirming, setConfirming] = useState<SnapshotInfo>()
  const nameField = useRef<HTMLInputElement>(null)
  const confirmButton = useRef<HTMLButtonElement>(null)
  const base = `/api/boards/${encodeURIComponent(boardId)}`

  const [next, setNext] = useState<string>()
  const refresh = () =>
    apiCall<{ snapshots: SnapshotInfo[]; next?: string }>(`${base}/snapshots`)
      .then((r) => (setSnapshots(r.snapshots), setNext(r.next)))
      .catch((err) => (setSnapshots([]), setError(err.message)))
  const loadOlder = () =>
    apiCall<{ snapshots: SnapshotInfo[]; next?: string }>(`${base}/snapshots?before=${encodeURIComponent(next!)}`)
      .then((r) => (setSnapshots((shown) => [...(shown ?? []), ...r.snapshots]), setNext(r.next)))
      .catch((err) => setError(err.message))
  useEffect(() => void refresh(), [boardId])
  useEffect(() => confirmButton.current?.focus(), [confirming])

  const act = async (fn: () => Promise<string>) => {
    setError('')
    setMessage('')
    try {
      setMessage(await fn())
      await refresh()
    } catch (err) {
      setError((err as Error).message)
    }
  }

  const take = () =>
    act(async () => {
      await apiCall(`${base}/snapshots`, { method: 'POST', body: JSON.stringify({ name, by: participant.name }) })
      setName('')
      nameField.current?.focus()
      return `Saved “${name.trim()}”`
    })
  const restore = (s: SnapshotInfo) =>
    act(async () => {
      setConfirming(undefined)
      const { before } = await apiCall<{ before: SnapshotInfo | null }>(`${base}/snapshots/${s.id}/restore`, {
        method: 'POST',
        body: JSON.stringify({ by: participant.name }),
      })
      setPreview(undefined)
      if (!before) return `The board already matches “${s.name}”: nothing to restore.`
      return `Restored “${s.name}” for everyone. What was there before is saved as “${before.name}”.`
    })
  const fork = (s: SnapshotInfo) =>
    act(async () => {
      const { id } = await apiCall<{ id: string }>(`${base}/fork`, { method: 'POST', body: JSON.stringify({ snapshotId: s.id }) })
      onClose()
      navigate(`/b/${id}`)
      return ''
    })
  const showPreview = (s: SnapshotInfo) =>
    act(async () => {
      const file = await apiCall<{ meta: { schema: TLStoreSnapshot['schema'] }; records: { id: string }[] }>(
        `${base}/snapshots/${s.id}?format=json`,
      )
      setPreview({
        info: s,
        snapshot: { schema: file.meta.schema, store: Object.fromEntries(file.records.map((r) => [r.id, r])) } as TLStoreSnapshot,
      })
      return ''
    })

  return (
    <Dialog title="Snapshots" onClose={onClose} docked>
      {viewOnly ? (
        <p className="bf-muted">You opened a view-only link: you can preview snapshots, not save, restore or fork them.</p>
      ) : (
        <form
          className="bf-row"
          onSubmit={(e) => {
            e.preventDefault()
            if (name.trim()) take()
          }}
        >
          <input
            ref={nameField}
            aria-label="Snapshot name"
            placeholder="Name this moment, e.g. after clustering"
            value={name}
            maxLength={120}
            onChange={(e) => setName(e.target.value)}
          />
          <button className="bf-primary" type="submit" disabled={!name.trim()}>
            Save snapshot
          </button>
        </form>
      )}
      {error && (
        <p className="bf-error" role="alert">
          {error}
        </p>
      )}
      <p className="bf-status" role="status">
        {message}
      </p>
      {confirming && (
        <div className="bf-confirm" role="group" aria-label="Confirm restore">
          <span>Restore “{confirming.name}” for everyone? What is on the board now is saved as a snapshot first.</span>
          <div className="bf-confirm-actions">
            <button ref={confirmButton} className="bf-primary" onClick={() => restore(confirming)}>
              Restore for everyone
            </button>
            <button onClick={() => setConfirming(undefined)}>Cancel</button>
          </div>
        </div>
      )}
      {preview && (
        <section className="bf-preview" aria-label={`Preview of ${preview.info.name}`}>
          <div className="bf-preview-head">
            <strong>{preview.info.name}</strong>
            <span className="bf-muted">read-only</span>
            <button className="bf-close" aria-label="Close preview" onClick={() => setPreview(undefined)}>
              ×
            </button>
          </div>
          <div className="bf-preview-image">
            <TldrawImage snapshot={preview.snapshot} background padding={16} />
          </div>
        </section>
      )}
      {snapshots === undefined ? (
        <p className="bf-muted">Loading…</p>
      ) : snapshots.length === 0 ? (
        <p className="bf-muted">
          No snapshots yet. The board also saves one by itself after each stretch of work and when everyone has left.
        </p>
      ) : (
        <ul className="bf-snapshots" aria-label="Snapshots">
          {snapshots.map((s) => (
            <li key={s.id} className={preview?.info.id === s.id ? 'bf-previewing' : undefined}>
              <div className="bf-snapshot-text">
                <span className="bf-snapshot-name">{s.name}</span>
                <span className="bf-muted">
                  <time dateTime={new Date(s.createdAt).toISOString()}>{formatWhen(s.createdAt)}</time> ·{' '}
                  {[s.createdBy ?? (s.kind === 'named' ? 'someone' : undefined), KIND_LABEL[s.kind]].filter(Boolean).join(' · ')}
                </span>
              </div>
              <div className="bf-snapshot-actions">
                <button onClick={() => showPreview(s)} aria-pressed={preview?.info.id === s.id}>
                  Preview
                </button>
                {!viewOnly && (
                  <>
                    <button onClick={() => setConfirming(s)}>Restore</button>
                    <button onClick={() => fork(s)} title="Start a new board from this snapshot; this board stays as it is">
                      Fork
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button className="bf-more" onClick={loadOlder}>
          Show older snapshots
        </button>
      )}
    </Dialog>
  )
}

/** "14:05" today, "Mon 14:05" this week, "3 Mar 14:05" otherwise: short enough for a narrow list. */
function formatWhen(at: number, now = Date.now()): string {
  const date = new Date(at)
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  if (new Date(now).toDateString() === date.toDateString()) return `today ${time}`
  if (now - at < 6 * 24 * 3600_000) return `${date.toLocaleDateString(undefined, { weekday: 'short' })} ${time}`
  return `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: now - at > 300 * 24 * 3600_000 ? 'numeric' : undefined })} ${time}`
}

export function BoardFileDialogs({ open, onClose }: { open: BoardDialog | undefined; onClose: () => void }) {
  if (open === 'export') return <ExportDialog onClose={onClose} />
  if (open === 'import') return <ImportDialog onClose={onClose} />
  if (open === 'history') return <HistoryDialog onClose={onClose} />
  return null
}
