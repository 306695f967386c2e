import { useState } from 'react'
import { useBoardContext } from '../board/BoardContext.tsx'
import { buildExport, download, fileBaseName, type DialogFormat, type ImageArea } from './exportBoard.ts'
import { Dialog, DialogError } from './Dialog.tsx'
import type { PdfArea } from './pdf.ts'

const FORMATS: { value: DialogFormat; label: string; hint: string }[] = [
  { value: 'png', label: 'PNG image', hint: 'for slides' },
  { value: 'svg', label: 'SVG image', hint: 'sharp at any size' },
  { value: 'pdf', label: 'PDF document', hint: 'a cover page, the board or one page per frame, then decisions and actions' },
  { value: 'md', label: 'Markdown report', hint: 'for a wiki or an email' },
  { value: 'tldr', label: '.tldr file', hint: 'opens in tldraw' },
  { value: 'json', label: 'JSON snapshot', hint: 'the whole board with agenda and timeline, to import again' },
]

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { editor, doc } = useBoardContext()
  const [format, setFormat] = useState<DialogFormat>('png')
  const [area, setArea] = useState<ImageArea>(() => (editor.getSelectedShapeIds().length ? 'selection' : 'board'))
  const [scale, setScale] = useState(2)
  const [pdfArea, setPdfArea] = useState<PdfArea>('frames')
  const [progress, setProgress] = useState<{ fraction: number; label: string }>()
  const [error, setError] = useState('')
  const image = format === 'png' || format === 'svg'

  const run = async () => {
    setError('')
    setProgress({ fraction: 0, label: 'Starting…' })
    try {
      const onProgress = (fraction: number, label: string) => setProgress({ fraction, label })
      const { blob, name, note } =
        format === 'pdf'
          ? {
              blob: await (await import('./pdf.ts')).buildPdf(editor, doc, pdfArea, onProgress),
              name: `${fileBaseName(doc)}.pdf`,
              note: '',
            }
          : await buildExport(editor, doc, { format, area, scale }, onProgress)
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
      {format === 'pdf' && (
        <div className="bf-row">
          <label>
            Pages{' '}
            <select value={pdfArea} onChange={(e) => setPdfArea(e.target.value as PdfArea)}>
              <option value="frames">One page per frame</option>
              <option value="frame">Current frame</option>
              <option value="board">Whole board</option>
            </select>
          </label>
        </div>
      )}
      {error && <DialogError>{error}</DialogError>}
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
