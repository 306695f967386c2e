import {
  createShapeId,
  getIndexBelow,
  getIndicesAbove,
  type Editor,
  type IndexKey,
  type TLCreateShapePartial,
  type TLParentId,
  type TLShape,
  type TLShapeId,
} from 'tldraw'
import { frameAround, packGrid, plainText, THEME_META, type Box, type Template } from '@roundtable/shared'
import { zoomToUncovered } from '../board/viewport.ts'

/**
 * Inserts a template at the centre of the viewport as one undoable step; the binding writes it to
 * the doc in one transaction, so everyone gets it at once.
 */
export function insertTemplate(editor: Editor, template: Template): TLShapeId[] {
  const pageId = editor.getCurrentPageId()
  const records = template.build({ center: editor.getViewportPageBounds().center, newId: () => createShapeId(), parentId: pageId })
  // Put the template above whatever the page already holds.
  const topLevel = records.filter((r) => r.parentId === pageId)
  const indices = getIndicesAbove(editor.getHighestIndexForParent(pageId), topLevel.length)
  topLevel.forEach((r, i) => (r.index = indices[i]))
  const ids = topLevel.map((r) => r.id as TLShapeId)
  editor.run(() => {
    editor.markHistoryStoppingPoint(`insert ${template.id}`)
    editor.createShapes(records as unknown as TLCreateShapePartial[])
    editor.select(...ids)
  })
  const bounds = editor.getShapesPageBounds(ids)
  if (bounds) zoomToUncovered(editor, bounds)
  return ids
}

export function isNote(shape: TLShape | undefined): shape is TLShape & { type: 'note' } {
  return shape?.type === 'note'
}

export function noteText(shape: TLShape): string {
  return plainText((shape.props as { richText?: unknown }).richText)
}

interface GroupOptions {
  /** Gather scattered notes into a tidy grid first (for suggested clusters). */
  pack?: boolean
}

/**
 * Wraps notes in a named frame, as one undoable step. The frame goes in the notes' shared
 * container (a template area, say), or on the page when they sit in different ones, and below
 * its siblings so notes that are not part of the theme stay visible.
 */
export function groupNotes(editor: Editor, noteIds: TLShapeId[], name: string, opts: GroupOptions = {}): TLShapeId | undefined {
  const notes = noteIds.map((id) => editor.getShape(id)).filter(isNote)
  if (notes.length === 0) return undefined
  const parents = new Set(notes.map((n) => n.parentId))
  const parentId: TLParentId = parents.size === 1 ? notes[0].parentId : editor.getCurrentPageId()
  const parentShape = editor.getShape(parentId as TLShapeId)
  // Geometry is worked out in page space, then placed in each shape's own parent space.
  const pageBoxes = (): Box[] => notes.map((n) => editor.getShapePageBounds(n.id)!)

  const frameId = createShapeId()
  editor.run(() => {
    editor.markHistoryStoppingPoint('group notes')
    if (opts.pack) {
      const boxes = pageBoxes()
      const origin = { x: Math.min(...boxes.map((b) => b.x)), y: Math.min(...boxes.map((b) => b.y)) }
      const order = notes.map((n, i) => ({ n, b: boxes[i] })).sort((a, b) => a.b.y - b.b.y || a.b.x - b.b.x)
      const spots = packGrid(
        order.map((o) => o.b),
        origin,
      )
      order.forEach(({ n }, i) => {
        const local = editor.getPointInParentSpace(n, spots[i])
        editor.updateShape({ id: n.id, type: n.type, x: local.x, y: local.y })
      })
    }
    const box = frameAround(pageBoxes())
    const topLeft = parentShape ? editor.getShapePageTransform(parentShape).clone().invert().applyToPoint(box) : box
    const lowest = editor.getSortedChildIdsForParent(parentId)[0]
    const index: IndexKey = getIndexBelow(lowest ? editor.getShape(lowest)!.index : undefined)
    editor.createShape({
      id: frameId,
      type: 'frame',
      parentId,
      index,
      x: topLeft.x,
      y: topLeft.y,
      meta: { [THEME_META]: true },
      props: { w: box.w, h: box.h, name },
    })
    editor.reparentShapes(
      notes.map((n) => n.id),
      frameId,
    )
    editor.select(frameId)
  })
  return frameId
}
