import type * as Y from 'yjs'
import type { Editor, TLShapeId } from 'tldraw'
import { boardToFile, boardToTldr, buildReport, readMeta, reportInputFromDoc, TLDR_MIME_TYPE } from '@roundtable/shared'

export type ImageArea = 'board' | 'frame' | 'selection'
export type ExportFormat = 'png' | 'svg' | 'tldr' | 'json' | 'md'
export type Progress = (fraction: number, label: string) => void

/** Lets the page paint (and people keep working) between chunks of a long export. */
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

export function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function fileBaseName(doc: Y.Doc): string {
  const title = readMeta(doc).title?.trim() || 'board'
  return title.replace(/[^\p{L}\p{N} _-]+/gu, '').trim().replace(/\s+/g, '-').slice(0, 60) || 'board'
}

/** The frame people mean by "the current frame": the selected one, the one holding the selection, or the one in the middle of the screen. */
export function currentFrame(editor: Editor): TLShapeId | undefined {
  for (const shape of editor.getSelectedShapes()) {
    if (shape.type === 'frame') return shape.id
    const frame = editor.findShapeAncestor(shape, (s) => s.type === 'frame')
    if (frame) return frame.id
  }
  const center = editor.getViewportPageBounds().center
  const under = editor.getShapesAtPoint(center, { hitInside: true }).find((s) => s.type === 'frame')
  return under?.id
}

/** Shape ids for an image export of the chosen area; throws a readable error when empty. */
export function imageShapes(editor: Editor, area: ImageArea): TLShapeId[] {
  if (area === 'selection') {
    const ids = editor.getSelectedShapeIds()
    if (ids.length === 0) throw new Error('Select something first, or export the whole board.')
    return [...ids]
  }
  if (area === 'frame') {
    const frame = currentFrame(editor)
    if (!frame) throw new Error('No frame is selected or in the middle of the screen.')
    return [frame]
  }
  const ids = [...editor.getCurrentPageShapeIds()]
  if (ids.length === 0) throw new Error('The board is empty: there is nothing to draw.')
  return ids
}

/**
 * Builds the chosen export. Image formats use tldraw's own renderer; the file formats come from
 * shared/ (the same code the server's HTTP API uses), built in chunks with pauses so a board of
 * thousands of notes does not freeze the page.
 */
export async function buildExport(
  editor: Editor,
  doc: Y.Doc,
  opts: { format: ExportFormat; area: ImageArea; scale: number },
  progress: Progress,
): Promise<{ blob: Blob; name: string }> {
  const base = fileBaseName(doc)
  if (opts.format === 'png' || opts.format === 'svg') {
    const ids = imageShapes(editor, opts.area)
    progress(0.1, `Drawing ${ids.length === 1 ? 'the frame' : `${ids.length} shapes`}…`)
    await breathe()
    const { blob } = await editor.toImage(ids, {
      format: opts.format,
      background: true,
      padding: 32,
      ...(opts.format === 'png' ? { scale: opts.scale, pixelRatio: 1 } : {}),
    })
    progress(1, 'Done')
    return { blob, name: `${base}.${opts.format}` }
  }

  progress(0.05, 'Reading the board…')
  await breathe()
  if (opts.format === 'md') {
    const report = buildReport(reportInputFromDoc(doc, Date.now(), { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }))
    progress(1, 'Done')
    return { blob: new Blob([report], { type: 'text/markdown' }), name: `${base}-report.md` }
  }
  const file = opts.format === 'tldr' ? boardToTldr(doc, editor.store.schema.serialize()) : boardToFile(doc)
  // Serialize record by record in chunks: one huge JSON.stringify would block the page.
  const { records, ...head } = file as { records: unknown[] }
  const parts: string[] = []
  const CHUNK = 250
  for (let i = 0; i < records.length; i += CHUNK) {
    parts.push(records.slice(i, i + CHUNK).map((r) => JSON.stringify(r)).join(','))
    progress(0.1 + (0.85 * Math.min(records.length, i + CHUNK)) / records.length, `Writing ${Math.min(records.length, i + CHUNK)} of ${records.length} records…`)
    await breathe()
  }
  const json = `${JSON.stringify(head).slice(0, -1)}${Object.keys(head).length ? ',' : ''}"records":[${parts.join(',')}]}`
  progress(1, 'Done')
  return opts.format === 'tldr'
    ? { blob: new Blob([json], { type: TLDR_MIME_TYPE }), name: `${base}.tldr` }
    : { blob: new Blob([json], { type: 'application/json' }), name: `${base}.roundtable.json` }
}
