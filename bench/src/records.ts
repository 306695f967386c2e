import * as Y from 'yjs'
import { boardRecords as boardKV, richText, type JsonRecord } from '@roundtable/shared'

/** Plain-JSON tldraw 5 records (no tldraw in Node); the browser workload validates them in tldraw. */
export const PAGE_ID = 'page:page'

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** Fractional index keys in order: 'c' + three base-62 digits, 238,328 siblings. */
export function indexKey(i: number): string {
  if (i < 0 || i >= 62 ** 3) throw new Error(`index ${i} out of range`)
  return `c${DIGITS[Math.floor(i / 3844)]}${DIGITS[Math.floor(i / 62) % 62]}${DIGITS[i % 62]}`
}

const COLORS = ['yellow', 'light-blue', 'light-green', 'light-red', 'orange', 'violet']

export function noteRecord(i: number, x: number, y: number, text = `Idea ${i + 1}`): JsonRecord {
  return {
    id: `shape:note${i}`,
    typeName: 'shape',
    type: 'note',
    x,
    y,
    rotation: 0,
    index: indexKey(i),
    parentId: PAGE_ID,
    isLocked: false,
    opacity: 1,
    meta: {},
    props: {
      color: COLORS[i % COLORS.length],
      labelColor: 'black',
      richText: richText(text),
      size: 'm',
      font: 'draw',
      align: 'middle',
      verticalAlign: 'middle',
      growY: 0,
      fontSizeAdjustment: 1,
      url: '',
      scale: 1,
      textLastEditedBy: null,
    },
  }
}

/** The document and page records every tldraw board has. */
export function baseRecords(): JsonRecord[] {
  return [
    { id: 'document:document', typeName: 'document', gridSize: 10, name: '', meta: {} },
    { id: PAGE_ID, typeName: 'page', name: 'Page 1', index: 'a1', meta: {} },
  ]
}

/** A board of `n` stickies on a grid, 50 to a row (a workshop wall). */
export function stickyBoard(n: number, perRow = 50): JsonRecord[] {
  const notes: JsonRecord[] = []
  for (let i = 0; i < n; i++) notes.push(noteRecord(i, (i % perRow) * 240, Math.floor(i / perRow) * 240))
  return [...baseRecords(), ...notes]
}

/** Writes records into a board doc the way the client's binding does, `batch` per transaction. */
export function writeRecords(doc: Y.Doc, records: JsonRecord[], batch = records.length) {
  const kv = boardKV(doc)
  for (let start = 0; start < records.length; start += batch) {
    doc.transact(() => {
      for (const r of records.slice(start, start + batch)) kv.set(r.id, r)
    })
  }
}

export function recordCount(doc: Y.Doc): number {
  return doc.getArray('records').length
}
