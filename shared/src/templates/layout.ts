import { indexKey, richText, type IdGenerator, type Point, type ShapeRecord } from './records.ts'

/** One area of a template: a named frame on a grid, with a light prompt inside. */
export interface AreaSpec {
  name: string
  prompt: string
  col: number
  row: number
  colSpan?: number
  rowSpan?: number
}

export interface TemplateSpec {
  title: string
  areas: AreaSpec[]
  /** Size of one grid cell in page units; areas spanning cells include the gaps between them. */
  cell?: { w: number; h: number }
}

export interface BuildOptions {
  /** Page point the template is centred on (the viewport centre). */
  center: Point
  newId: IdGenerator
  /** The page the shapes go on. */
  parentId: string
}

const GAP = 40
const TITLE_H = 100
const PAD = 16
const PROMPT_TOP = 12

/**
 * Lays a template out on a grid centred on `center`: a title, then one frame per area, each
 * holding its prompt as grey text. Top-level shapes come first, in z-order.
 */
export function layoutTemplate(spec: TemplateSpec, { center, newId, parentId }: BuildOptions): ShapeRecord[] {
  const cell = spec.cell ?? { w: 360, h: 260 }
  const cols = Math.max(...spec.areas.map((a) => a.col + (a.colSpan ?? 1)))
  const rows = Math.max(...spec.areas.map((a) => a.row + (a.rowSpan ?? 1)))
  const gridW = cols * cell.w + (cols - 1) * GAP
  const gridH = rows * cell.h + (rows - 1) * GAP
  const left = Math.round(center.x - gridW / 2)
  const top = Math.round(center.y - (gridH + TITLE_H) / 2)

  const base = (type: string, x: number, y: number, index: string, parent: string, props: Record<string, unknown>): ShapeRecord => ({
    id: newId(),
    typeName: 'shape',
    type,
    x,
    y,
    rotation: 0,
    index,
    parentId: parent,
    isLocked: false,
    opacity: 1,
    meta: {},
    props,
  })

  const title = base('text', left, top, indexKey(0), parentId, {
    color: 'black',
    size: 'l',
    font: 'sans',
    textAlign: 'start',
    w: gridW,
    richText: richText(spec.title),
    scale: 1,
    autoSize: false,
  })
  const frames: ShapeRecord[] = []
  const prompts: ShapeRecord[] = []
  spec.areas.forEach((area, i) => {
    const colSpan = area.colSpan ?? 1
    const rowSpan = area.rowSpan ?? 1
    const w = colSpan * cell.w + (colSpan - 1) * GAP
    const h = rowSpan * cell.h + (rowSpan - 1) * GAP
    const frame = base('frame', left + area.col * (cell.w + GAP), top + TITLE_H + area.row * (cell.h + GAP), indexKey(i + 1), parentId, {
      w,
      h,
      name: area.name,
      color: 'black',
    })
    frames.push(frame)
    prompts.push(
      base('text', PAD, PROMPT_TOP, indexKey(0), frame.id, {
        color: 'grey',
        size: 's',
        font: 'sans',
        textAlign: 'start',
        w: w - 2 * PAD,
        richText: richText(area.prompt),
        scale: 1,
        autoSize: false,
      }),
    )
  })
  return [title, ...frames, ...prompts]
}
