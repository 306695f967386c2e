import type * as Y from 'yjs'
import { Box, FileHelpers, type Editor, type TLShapeId } from 'tldraw'
import {
  boardToFile,
  boardToTldr,
  buildReport,
  downloadBaseName,
  readMeta,
  reportInputFromDoc,
  sessionTime,
  TLDR_MIME_TYPE,
} from '@roundtable/shared'
import { pageClock } from '../board/serverClock.tsx'

export type ImageArea = 'board' | 'frame' | 'selection'
export type ExportFormat = 'png' | 'svg' | 'tldr' | 'json' | 'md'
/** The PDF is built by pdf.ts, loaded on first use: its writer is as big as the rest of the page. */
export type DialogFormat = ExportFormat | 'pdf'
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
  return downloadBaseName(readMeta(doc).title)
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

/** The chosen area's top-level shapes in paint order; throws a readable error when empty. */
export function imageShapes(editor: Editor, area: ImageArea): TLShapeId[] {
  let roots: TLShapeId[]
  if (area === 'selection') {
    roots = [...editor.getSelectedShapeIds()]
    if (roots.length === 0) throw new Error('Select something first, or export the whole board.')
  } else if (area === 'frame') {
    const frame = currentFrame(editor)
    if (!frame) throw new Error('No frame is selected or in the middle of the screen.')
    roots = [frame]
  } else {
    roots = editor.getSortedChildIdsForParent(editor.getCurrentPageId())
    if (roots.length === 0) throw new Error('The board is empty: there is nothing to draw.')
  }
  const wanted = new Set(roots)
  return editor
    .getCurrentPageShapesSorted()
    .filter((s) => wanted.has(s.id))
    .map((s) => s.id)
}

/** Up to this many shapes are one call; more are drawn in passes. */
const SHAPES_PER_PASS = 60
/**
 * How long one pass may hold the page (drawing its SVG, then painting it onto the canvas at the
 * next frame): each pass is sized from how long the last one took, so a slow or busy machine
 * gets smaller passes and the same short pauses instead of longer freezes.
 */
const PASS_BUDGET_MS = 500
const MIN_SHAPES_PER_PASS = 8
const MAX_SHAPES_PER_PASS = 200

/** The next pass's size from the last one's and how long it took: towards the budget, at most doubling. */
export function nextPassSize(size: number, tookMs: number): number {
  const next = size * Math.min(2, PASS_BUDGET_MS / Math.max(tookMs, 1))
  return Math.round(Math.min(MAX_SHAPES_PER_PASS, Math.max(MIN_SHAPES_PER_PASS, next)))
}
const PADDING = 32
/** Bigger images are scaled down to fit: browsers refuse (or crash on) larger canvases. */
const MAX_SIDE = 16_384
const MAX_PIXELS = 120_000_000

/** The next consecutive top-level shapes from `from` holding about `size` shapes (a frame counts its contents). */
function nextPass(roots: TLShapeId[], sizes: number[], from: number, size: number): TLShapeId[] {
  let end = from
  let count = 0
  while (end < roots.length && (end === from || count + sizes[end] <= size)) count += sizes[end++]
  return roots.slice(from, end)
}

function intersect(a: Box, b: Box): Box {
  const x = Math.max(a.minX, b.minX)
  const y = Math.max(a.minY, b.minY)
  return new Box(x, y, Math.min(a.maxX, b.maxX) - x, Math.min(a.maxY, b.maxY) - y)
}

async function svgImage(svg: string): Promise<HTMLImageElement> {
  const image = new Image()
  image.src = await FileHelpers.blobToDataUrl(new Blob([svg], { type: 'image/svg+xml' }))
  await image.decode()
  return image
}

/**
 * PNG or SVG through tldraw's own SVG export. A small area is one call; a large one is drawn in
 * passes of a few dozen shapes, each over its own region, layered in paint order onto one canvas
 * (PNG) or into one SVG, with pauses between passes so the page keeps responding and shows progress.
 */
async function exportImage(
  editor: Editor,
  opts: { format: 'png' | 'svg'; area: ImageArea; scale: number },
  progress: Progress,
): Promise<{ blob: Blob; note?: string }> {
  const roots = imageShapes(editor, opts.area)
  const sizes = roots.map((id) => editor.getShapeAndDescendantIds([id]).size)
  const total = sizes.reduce((a, b) => a + b, 0)
  progress(0.05, `Drawing ${total === 1 ? '1 shape' : `${total} shapes`}…`)
  await breathe()
  if (total <= SHAPES_PER_PASS || roots.length === 1) {
    const { blob } = await editor.toImage(roots, {
      format: opts.format,
      background: true,
      padding: PADDING,
      ...(opts.format === 'png' ? { scale: opts.scale, pixelRatio: 1 } : {}),
    })
    return { blob }
  }

  const bounds = Box.Common(
    roots.map((id) => editor.getShapeMaskedPageBounds(id) ?? editor.getShapePageBounds(id)).filter((b): b is Box => !!b),
  )
  let scale = opts.format === 'png' ? opts.scale : 1
  let note: string | undefined
  const [w, h] = [(bounds.w + 2 * PADDING) * scale, (bounds.h + 2 * PADDING) * scale]
  const fit = Math.min(1, MAX_SIDE / w, MAX_SIDE / h, Math.sqrt(MAX_PIXELS / (w * h)))
  if (opts.format === 'png' && fit < 1) {
    scale *= fit
    note = `scaled down to ${Math.floor(w * fit)}×${Math.floor(h * fit)} px, the most a browser can draw`
  }

  // Each pass draws only its own region (with room for shadows and strokes) at its offset.
  const area = bounds.clone().expandBy(PADDING)
  const width = Math.floor(area.w * scale)
  const height = Math.floor(area.h * scale)
  const canvas = opts.format === 'png' ? document.createElement('canvas') : undefined
  if (canvas) {
    canvas.width = width
    canvas.height = height
    const ctx = canvas.getContext('2d')!
    ctx.fillStyle = editor.getCurrentTheme().colors[editor.getColorMode()].background
    ctx.fillRect(0, 0, width, height)
  }
  const svgs: string[] = []
  // Every pass embeds the fonts it uses; one copy of each is enough in a combined SVG.
  const fonts = new Set<string>()
  const onceEach = (svg: string) => svg.replace(/@font-face\s*\{[^}]*\}/g, (rule) => (fonts.has(rule) ? '' : (fonts.add(rule), rule)))
  let drawn = 0
  let passSize = SHAPES_PER_PASS / 2
  for (let from = 0; from < roots.length;) {
    const started = performance.now()
    const run = nextPass(roots, sizes, from, passSize)
    const runSize = sizes.slice(from, from + run.length).reduce((a, b) => a + b, 0)
    from += run.length
    const runBounds = Box.Common(
      run.map((id) => editor.getShapeMaskedPageBounds(id) ?? editor.getShapePageBounds(id)).filter((b): b is Box => !!b),
    )
    const region = intersect(runBounds.expandBy(PADDING), area)
    const result = await editor.getSvgString(run, {
      bounds: region,
      padding: 0,
      background: false,
      scale,
      ...(canvas ? { pixelRatio: 1 } : {}),
    })
    if (result) {
      const [x, y] = [(region.x - area.x) * scale, (region.y - area.y) * scale]
      if (canvas) canvas.getContext('2d')!.drawImage(await svgImage(result.svg), x, y, result.width, result.height)
      else svgs.push(onceEach(result.svg).replace(/^<svg /, `<svg x="${x}" y="${y}" `))
    }
    drawn += runSize
    progress(0.05 + (0.85 * drawn) / total, `Drawing ${drawn} of ${total} shapes…`)
    await breathe()
    passSize = nextPassSize(passSize, performance.now() - started)
  }
  if (!canvas) {
    // Each pass is a complete SVG of its region; nested at their offsets they layer in paint order.
    const background = editor.getCurrentTheme().colors[editor.getColorMode()].background
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${background}"/>${svgs.join('')}</svg>`
    return { blob: new Blob([svg], { type: 'image/svg+xml' }) }
  }
  // Encoding gives no progress of its own; a large image takes a while, so say so.
  progress(0.92, `Encoding the ${width}×${height} px PNG${width * height > 20_000_000 ? ' (a big image: this can take a minute)' : ''}…`)
  const blob = await new Promise<Blob | null>((resolve) => canvas!.toBlob(resolve, 'image/png'))
  if (!blob) throw new Error('The browser could not encode an image this large; try a smaller scale or area.')
  return { blob, note }
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
): Promise<{ blob: Blob; name: string; note?: string }> {
  const base = fileBaseName(doc)
  if (opts.format === 'png' || opts.format === 'svg') {
    const { blob, note } = await exportImage(editor, { ...opts, format: opts.format }, progress)
    progress(1, 'Done')
    return { blob, name: `${base}.${opts.format}`, note }
  }

  progress(0.05, 'Reading the board…')
  await breathe()
  if (opts.format === 'md') {
    // Dated by the session, as the server does (see sessionTime).
    const report = buildReport(
      reportInputFromDoc(doc, sessionTime(doc) ?? pageClock.now(), { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }),
    )
    progress(1, 'Done')
    return { blob: new Blob([report], { type: 'text/markdown' }), name: `${base}-report.md` }
  }
  const schema = editor.store.schema.serialize()
  const file = opts.format === 'tldr' ? boardToTldr(doc, schema) : boardToFile(doc, pageClock.now(), schema)
  // Serialize record by record in chunks: one huge JSON.stringify would block the page.
  const { records, ...head } = file as { records: unknown[] }
  const parts: string[] = []
  const CHUNK = 250
  for (let i = 0; i < records.length; i += CHUNK) {
    parts.push(
      records
        .slice(i, i + CHUNK)
        .map((r) => JSON.stringify(r))
        .join(','),
    )
    progress(
      0.1 + (0.85 * Math.min(records.length, i + CHUNK)) / records.length,
      `Writing ${Math.min(records.length, i + CHUNK)} of ${records.length} records…`,
    )
    await breathe()
  }
  const json = `${JSON.stringify(head).slice(0, -1)}${Object.keys(head).length ? ',' : ''}"records":[${parts.join(',')}]}`
  progress(1, 'Done')
  return opts.format === 'tldr'
    ? { blob: new Blob([json], { type: TLDR_MIME_TYPE }), name: `${base}.tldr` }
    : { blob: new Blob([json], { type: 'application/json' }), name: `${base}.roundtable.json` }
}
