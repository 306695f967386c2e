import { useState } from 'react'
import { useBoardContext } from '../board/BoardContext.tsx'
import { mergeIntoCurrentPage } from './importBoard.ts'
import { openInNewBoard, readImportFile } from './pendingImport.ts'
import { Dialog, DialogError } from './Dialog.tsx'

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
        onClose()
        openInNewBoard(ready)
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
      {error && <DialogError>{error} This board was not changed.</DialogError>}
    </Dialog>
  )
}
