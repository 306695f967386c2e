import type * as Y from 'yjs'
import type { Editor, TLShapeId } from 'tldraw'
import { boardParticipants, readMeta, readOutcomes, sessionTime, type ParticipantInfo } from '@roundtable/shared'
import fontUrl from '@expo-google-fonts/shantell-sans/500Medium/ShantellSans_500Medium.ttf?url'
import { currentFrame, imageShapes, type Progress } from './exportBoard.ts'
import { pageClock } from '../board/serverClock.tsx'

/**
 * The board as a PDF, drawn in this browser: tldraw's SVG of each page is turned into PDF
 * vectors by svg2pdf.js (on jsPDF), and the text of notes and labels, which tldraw's SVG holds
 * as HTML (foreignObject) that no SVG-to-PDF converter reads, is laid out by the browser and
 * written at the same places as real PDF text in a font we bundle, so it can be selected,
 * searched and copied. A cover page comes first, the decisions and actions last.
 */
export type PdfArea = 'board' | 'frame' | 'frames'

/** A4 landscape, in points. */
const PAGE = { w: 842, h: 595, margin: 36 }
const FONT = 'Shantell'
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

interface TextLine {
  text: string
  /** In the SVG's own units, from its top left. */
  x: number
  baseline: number
  fontSize: number
  color: string
  align: 'left' | 'center' | 'right'
  width: number
}

/** One PDF page per entry: the whole page, the current frame, or every top-level frame in reading order (top to bottom, then left to right). */
function pagesFor(editor: Editor, area: PdfArea): { title: string; ids: TLShapeId[] }[] {
  const frameTitle = (id: TLShapeId) => String((editor.getShape(id)?.props as { name?: string })?.name || 'Untitled frame')
  if (area === 'board') return [{ title: editor.getCurrentPage().name, ids: imageShapes(editor, 'board') }]
  if (area === 'frame') {
    const frame = currentFrame(editor)
    if (!frame) throw new Error('No frame is selected or in the middle of the screen.')
    return [{ title: frameTitle(frame), ids: [frame] }]
  }
  const frames = editor
    .getSortedChildIdsForParent(editor.getCurrentPageId())
    .map((id) => editor.getShape(id)!)
    .filter((s) => s.type === 'frame')
    .sort((a, b) => a.y - b.y || a.x - b.x)
  if (frames.length === 0) throw new Error('This page has no frames: export the whole board instead.')
  return frames.map((f) => ({ title: frameTitle(f.id), ids: [f.id] }))
}

/** The lines of text inside the SVG's HTML labels, where the browser lays them out. */
function measureText(svg: SVGSVGElement, viewBox: { w: number }): TextLine[] {
  const box = svg.getBoundingClientRect()
  const unit = viewBox.w / box.width
  const lines: TextLine[] = []
  for (const object of svg.querySelectorAll('foreignObject')) {
    const walker = document.createTreeWalker(object, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const style = getComputedStyle(node.parentElement!)
      const fontSize = parseFloat(style.fontSize) || 16
      let line: { words: string[]; left: number; right: number; top: number; bottom: number } | undefined
      const flush = () => {
        if (!line) return
        const block = getComputedStyle(node!.parentElement!.closest('p, div, li, h1, h2, h3') ?? node!.parentElement!)
        const align = block.textAlign === 'center' ? 'center' : block.textAlign === 'right' || block.textAlign === 'end' ? 'right' : 'left'
        const middle = (line.top + line.bottom) / 2
        lines.push({
          text: line.words.join(' '),
          x: (align === 'center' ? (line.left + line.right) / 2 : align === 'right' ? line.right : line.left) * unit - 0,
          baseline: (middle + fontSize * 0.32) * unit,
          fontSize: fontSize * unit,
          color: style.color,
          align,
          width: (line.right - line.left) * unit,
        })
        line = undefined
      }
      for (const match of (node.textContent ?? '').matchAll(/\S+/g)) {
        const range = document.createRange()
        range.setStart(node, match.index)
        range.setEnd(node, match.index + match[0].length)
        const rect = range.getClientRects()[0]
        if (!rect) continue
        const [left, right, top, bottom] = [rect.left - box.left, rect.right - box.left, rect.top - box.top, rect.bottom - box.top]
        if (line && Math.abs(top - line.top) > fontSize / 3) flush()
        if (!line) line = { words: [], left, right, top, bottom }
        line.words.push(match[0])
        line.right = right
      }
      flush()
    }
  }
  return lines
}

async function loadFont(): Promise<string> {
  const bytes = new Uint8Array(await (await fetch(fontUrl)).arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export async function buildPdf(editor: Editor, doc: Y.Doc, area: PdfArea, progress: Progress): Promise<Blob> {
  const pages = pagesFor(editor, area)
  progress(0.02, 'Loading the PDF writer…')
  const [{ jsPDF }, { svg2pdf }, font] = await Promise.all([import('jspdf'), import('svg2pdf.js'), loadFont()])
  const pdf = new jsPDF({ orientation: 'landscape', unit: 'pt', format: 'a4', compress: true })
  pdf.addFileToVFS('Shantell.ttf', font)
  pdf.addFont('Shantell.ttf', FONT, 'normal')
  pdf.setFont(FONT, 'normal')
  const title = readMeta(doc).title?.trim() || 'Untitled board'
  pdf.setProperties({ title, creator: 'Roundtable' })
  coverPage(pdf, doc, title)

  // The SVG must be in the document for the browser to lay out its text; unseen, and off the canvas's way.
  const stage = document.createElement('div')
  stage.style.cssText = 'position:fixed;left:0;top:0;opacity:0;pointer-events:none;z-index:-1'
  document.body.append(stage)
  try {
    for (const [i, page] of pages.entries()) {
      const label = pages.length > 1 ? `Drawing page ${i + 1} of ${pages.length} (“${page.title}”)…` : 'Drawing the board…'
      progress(0.05 + (0.85 * i) / pages.length, label)
      await breathe()
      const result = await editor.getSvgElement(page.ids, { background: true, padding: 16 })
      if (!result) continue
      const { svg, width, height } = result
      // At its own size, one CSS pixel per SVG unit: the measured text lands where the SVG draws.
      svg.setAttribute('width', String(width))
      svg.setAttribute('height', String(height))
      svg.style.cssText = `width:${width}px;height:${height}px;display:block`
      stage.replaceChildren(svg)
      await document.fonts.ready
      const lines = measureText(svg, { w: width })
      // What svg2pdf cannot draw is drawn as text below; <text> it can draw, in our font.
      for (const object of svg.querySelectorAll('foreignObject')) object.remove()
      for (const text of svg.querySelectorAll('text, tspan')) {
        text.setAttribute('font-family', FONT)
        text.setAttribute('font-weight', 'normal')
        ;(text as SVGElement).style.fontFamily = FONT
        ;(text as SVGElement).style.fontWeight = 'normal'
      }
      pdf.addPage('a4', 'landscape')
      pdf.setFontSize(10)
      pdf.setTextColor('#868e96')
      pdf.text(page.title, PAGE.margin, PAGE.margin - 12)
      const scale = Math.min((PAGE.w - 2 * PAGE.margin) / width, (PAGE.h - 2 * PAGE.margin) / height)
      const [x0, y0] = [(PAGE.w - width * scale) / 2, PAGE.margin + (PAGE.h - 2 * PAGE.margin - height * scale) / 2]
      await breathe()
      await svg2pdf(svg, pdf, { x: x0, y: y0, width: width * scale, height: height * scale })
      pdf.setFont(FONT, 'normal')
      for (const line of lines) {
        pdf.setFontSize(line.fontSize * scale)
        pdf.setTextColor(line.color)
        pdf.text(line.text, x0 + line.x * scale, y0 + line.baseline * scale, { align: line.align })
      }
      stage.replaceChildren()
    }
  } finally {
    stage.remove()
  }
  progress(0.93, 'Writing decisions and actions…')
  outcomesPages(pdf, doc)
  progress(0.97, 'Saving the PDF…')
  await breathe()
  return pdf.output('blob')
}

type Pdf = InstanceType<(typeof import('jspdf'))['jsPDF']>

/** Writes lines top to bottom, wrapping them and starting a new page when one is full. */
function writer(pdf: Pdf) {
  let y = PAGE.margin
  return {
    get y() {
      return y
    },
    line(text: string, size: number, opts: { color?: string; gap?: number; indent?: number } = {}) {
      pdf.setFontSize(size)
      pdf.setTextColor(opts.color ?? '#212529')
      const indent = opts.indent ?? 0
      for (const part of pdf.splitTextToSize(text, PAGE.w - 2 * PAGE.margin - indent) as string[]) {
        if (y + size > PAGE.h - PAGE.margin) {
          pdf.addPage('a4', 'landscape')
          y = PAGE.margin
        }
        y += size * 1.25
        pdf.text(part, PAGE.margin + indent, y)
      }
      y += opts.gap ?? 0
    },
  }
}

function coverPage(pdf: Pdf, doc: Y.Doc, title: string) {
  const when = sessionTime(doc) ?? pageClock.now()
  const people = Object.values(boardParticipants(doc).toJSON() as Record<string, ParticipantInfo>)
    .sort((a, b) => a.firstSeen - b.firstSeen)
    .map((p) => p.name)
  const w = writer(pdf)
  w.line(title, 30, { gap: 8 })
  w.line(new Date(when).toLocaleDateString([], { day: 'numeric', month: 'long', year: 'numeric' }), 14, { color: '#495057', gap: 24 })
  w.line('Who took part', 16, { gap: 4 })
  w.line(people.length ? people.join(', ') : 'Nobody signed in by name', 12)
}

function outcomesPages(pdf: Pdf, doc: Y.Doc) {
  const outcomes = readOutcomes(doc)
  pdf.addPage('a4', 'landscape')
  const w = writer(pdf)
  w.line('Decisions', 18, { gap: 4 })
  const decisions = outcomes.filter((o) => o.kind === 'decision')
  for (const d of decisions) w.line(`• ${d.text || '(empty note)'}`, 12, { gap: 2, indent: 8 })
  if (!decisions.length) w.line('None recorded.', 12, { color: '#868e96' })
  w.line('', 12)
  w.line('Actions', 18, { gap: 4 })
  const actions = outcomes.filter((o) => o.kind === 'action')
  for (const a of actions) {
    const details = [
      a.volunteers.length ? `volunteers: ${a.volunteers.map((v) => v.name).join(', ')}` : 'no volunteer yet',
      a.due ? `due ${a.due}` : '',
      a.done ? `done by ${a.done.byName}` : '',
    ].filter(Boolean)
    w.line(`${a.done ? '[x]' : '[ ]'} ${a.text || '(empty note)'}`, 12, { indent: 8 })
    w.line(details.join('; '), 10, { color: '#495057', gap: 4, indent: 26 })
  }
  if (!actions.length) w.line('None recorded.', 12, { color: '#868e96' })
}
