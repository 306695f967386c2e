import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { TldrawImage, type TLStoreSnapshot } from 'tldraw'
import { useBoardContext } from '../board/BoardContext.tsx'
import { boardPath, navigate } from '../router.ts'
import { snapshotsApi, type SnapshotInfo } from './snapshotsApi.ts'
import { Dialog, DialogError } from './Dialog.tsx'
import { pageClock } from '../board/serverClock.tsx'
import { getAssetUrlsByImport } from '@tldraw/assets/imports.vite'
import { Icon } from '../icons.tsx'

// Our bundled fonts: without them the preview fetches tldraw's from its CDN, which the CSP refuses.
const assetUrls = getAssetUrlsByImport()

const KIND_LABEL: Record<SnapshotInfo['kind'], string | undefined> = {
  named: undefined,
  auto: 'automatic',
  'before-restore': 'saved before a restore',
}

/** The board's named and automatic snapshots: save one, preview, restore for everyone, or fork. */
export function SnapshotsDialog({ onClose }: { onClose: () => void }) {
  // With a view-only link, boardId is the view token: the server lets it read snapshots, not write.
  const { boardId, participant, viewOnly } = useBoardContext()
  const api = useMemo(() => snapshotsApi(boardId), [boardId])
  const [snapshots, setSnapshots] = useState<SnapshotInfo[]>()
  const [next, setNext] = useState<string>()
  const [name, setName] = useState('')
  const [message, setMessage] = useState('')
  const [error, setError] = useState('')
  const [preview, setPreview] = useState<{ info: SnapshotInfo; snapshot: TLStoreSnapshot }>()
  const [confirming, setConfirming] = useState<SnapshotInfo>()
  const nameField = useRef<HTMLInputElement>(null)
  const confirmButton = useRef<HTMLButtonElement>(null)

  const refresh = useCallback(
    () =>
      api.list().then(
        (page) => {
          setSnapshots(page.snapshots)
          setNext(page.next)
        },
        (err: Error) => {
          setSnapshots([])
          setError(err.message)
        },
      ),
    [api],
  )
  const loadOlder = () =>
    api.list(next!).then(
      (page) => {
        setSnapshots((shown) => [...(shown ?? []), ...page.snapshots])
        setNext(page.next)
      },
      (err: Error) => setError(err.message),
    )
  useEffect(() => {
    refresh()
  }, [refresh])
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
      await api.take(name, participant.name)
      setName('')
      nameField.current?.focus()
      return `Saved “${name.trim()}”`
    })
  const restore = (s: SnapshotInfo) =>
    act(async () => {
      setConfirming(undefined)
      const { before } = await api.restore(s.id, participant.name)
      setPreview(undefined)
      if (!before) return `The board already matches “${s.name}”: nothing to restore.`
      return `Restored “${s.name}” for everyone. What was there before is saved as “${before.name}”.`
    })
  const fork = (s: SnapshotInfo) =>
    act(async () => {
      const { id } = await api.fork(s.id)
      onClose()
      navigate(boardPath(id))
      return ''
    })
  const showPreview = (s: SnapshotInfo) =>
    act(async () => {
      setPreview({ info: s, snapshot: await api.read(s.id) })
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
      {error && <DialogError>{error}</DialogError>}
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
              <Icon name="close" />
            </button>
          </div>
          <div className="bf-preview-image">
            <TldrawImage snapshot={preview.snapshot} assetUrls={assetUrls} background padding={16} />
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
                  <time dateTime={new Date(s.createdAt).toISOString()}>{formatWhen(s.createdAt, pageClock.now())}</time> ·{' '}
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
function formatWhen(at: number, now: number): string {
  const date = new Date(at)
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  if (new Date(now).toDateString() === date.toDateString()) return `today ${time}`
  if (now - at < 6 * 24 * 3600_000) return `${date.toLocaleDateString(undefined, { weekday: 'short' })} ${time}`
  return `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: now - at > 300 * 24 * 3600_000 ? 'numeric' : undefined })} ${time}`
}
