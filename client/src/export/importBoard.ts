import type * as Y from 'yjs'
import {
  Box,
  type Editor,
  type SerializedSchema,
  type TLAsset,
  type TLBinding,
  type TLRecord,
  type TLSchema,
  type TLShape,
  type TLShapeId,
} from 'tldraw'
import {
  BoardFileError,
  DOC_ARRAYS,
  DOC_MAPS,
  MODEL_VERSION,
  boardMeta,
  pageIdOf,
  replaceBoardContent,
  type JsonRecord,
  type ParsedBoardFile,
} from '@roundtable/shared'
import { zoomToUncovered } from '../board/viewport.ts'

/**
 * The file's document records migrated to our tldraw schema and validated by it. Session
 * records a .tldr may carry (camera, instance state, pointer) are left out: they belong to the
 * device that wrote the file. Throws BoardFileError with a message for people.
 */
export function migrateImport(schema: TLSchema, parsed: ParsedBoardFile): TLRecord[] {
  const store: Record<string, TLRecord> = {}
  for (const record of parsed.records) {
    const type = schema.types[record.typeName as TLRecord['typeName']]
    if (type && type.scope === 'document') store[record.id] = record as unknown as TLRecord
  }
  // A schema with migrations we do not have was written by a newer tldraw or Roundtable.
  if (!schema.getMigrationsSince(parsed.schema as SerializedSchema).ok) {
    throw new BoardFileError('This file was made by a newer version of tldraw or Roundtable than this one; update to open it.')
  }
  let result
  try {
    result = schema.migrateStoreSnapshot({ store, schema: parsed.schema as SerializedSchema })
  } catch (err) {
    throw new BoardFileError(`The file’s records could not be read (${(err as Error).message}).`)
  }
  if (result.type === 'error') {
    throw new BoardFileError(`The file could not be upgraded to this version (${result.reason}).`)
  }
  const records = Object.values(result.value) as TLRecord[]
  for (const record of records) {
    try {
      schema.validateRecord(null as never, record, 'initialize', null)
    } catch (err) {
      throw new BoardFileError(`The file holds a record this version cannot show (${record.id}: ${(err as Error).message.split('\n')[0]}).`)
    }
  }
  if (!records.some((r) => r.typeName === 'page')) throw new BoardFileError('The file has no page to show.')
  return records
}

/**
 * Loads an import into a board nobody has written yet, before the canvas binds to it: records
 * keep their ids, and a Roundtable snapshot brings its title and facilitation state along.
 */
/** `now` is server time, for the new board's `createdAt`. */
export function loadIntoEmptyBoard(doc: Y.Doc, schema: TLSchema, parsed: ParsedBoardFile, records: TLRecord[], now: number) {
  replaceBoardContent(
    doc,
    { records: records as unknown as JsonRecord[], maps: parsed.maps, arrays: parsed.arrays },
    {
      schema: schema.serialize(),
      title: parsed.title,
      maps: parsed.kind === 'roundtable' ? DOC_MAPS : [],
      arrays: parsed.kind === 'roundtable' ? DOC_ARRAYS : [],
    },
  )
  doc.transact(() => {
    const meta = boardMeta(doc)
    meta.set('modelVersion', MODEL_VERSION)
    if (!meta.has('createdAt')) meta.set('createdAt', now)
  })
}

/** Gap between what the board holds and what is imported beside it. */
const GAP = 200

/**
 * The shapes of one page of a file, those directly on the page moved by `by` (their children
 * move with them; arrows follow the bindings that join them to shapes).
 */
export function shiftPageShapes(shapes: readonly TLShape[], by: { x: number; y: number }): TLShape[] {
  const ids = new Set(shapes.map((s) => s.id))
  return shapes.map((s) => (ids.has(s.parentId as TLShapeId) ? s : { ...s, x: s.x + by.x, y: s.y + by.y }))
}

/**
 * Adds an import to the current page with new ids, each of the file's pages to the right of
 * everything already there, so nothing overlaps. Selects and shows what was added.
 */
export function mergeIntoCurrentPage(editor: Editor, records: TLRecord[]): number {
  const pages = records.filter((r) => r.typeName === 'page')
  const shapes = records.filter((r): r is TLShape => r.typeName === 'shape')
  const bindings = records.filter((r): r is TLBinding => r.typeName === 'binding')
  const assets = records.filter((r): r is TLAsset => r.typeName === 'asset')
  const byId = new Map(shapes.map((s) => [s.id, s]))
  const pageOf = (s: TLShape) => pageIdOf(byId, s)
  const added: TLShapeId[] = []
  editor.run(() => {
    for (const page of pages) {
      const pageShapes = shapes.filter((s) => pageOf(s) === page.id)
      if (pageShapes.length === 0) continue
      const ids = new Set(pageShapes.map((s) => s.id))
      const before = new Set(editor.getCurrentPageShapeIds())
      const bounds = (ids: Iterable<TLShapeId>) => [...ids].map((id) => editor.getShapePageBounds(id)).filter((b): b is Box => !!b)
      const existing = bounds(before)
      const was = existing.length ? Box.Common(existing) : undefined
      // Placed beside what is here before they land: shapes put down over a frame here would be
      // taken into it (and moving them afterwards would drag arrows off the notes they join).
      const roots = pageShapes.filter((s) => !ids.has(s.parentId as TLShapeId))
      const from = { x: Math.min(...roots.map((s) => s.x)), y: Math.min(...roots.map((s) => s.y)) }
      editor.selectNone()
      editor.putContentOntoCurrentPage(
        {
          shapes: was ? shiftPageShapes(pageShapes, { x: was.maxX + GAP - from.x, y: was.minY - from.y }) : pageShapes,
          rootShapeIds: roots.map((s) => s.id),
          bindings: bindings.filter((b) => ids.has(b.fromId) && ids.has(b.toId)),
          assets,
          schema: editor.store.schema.serialize(),
        },
        { preservePosition: true, select: false },
      )
      const fresh = [...editor.getCurrentPageShapeIds()].filter(
        (id) => !before.has(id) && editor.getShape(id)?.parentId === editor.getCurrentPageId(),
      )
      const incoming = bounds(fresh)
      if (was && incoming.length) {
        // Exactly beside, now that their sizes are known. A plain move: nudgeShapes translates
        // like a drag, which makes an arrow let go of notes that are not selected.
        const now = Box.Common(incoming)
        const [dx, dy] = [was.maxX + GAP - now.minX, was.minY - now.minY]
        editor.updateShapes(fresh.map((id) => editor.getShape(id)!).map(({ id, type, x, y }) => ({ id, type, x: x + dx, y: y + dy })))
      }
      added.push(...fresh)
    }
    editor.select(...added)
  })
  const bounds = editor.getSelectionPageBounds()
  if (added.length && bounds) zoomToUncovered(editor, bounds, { rightColumn: true })
  return added.length
}
