import * as Y from 'yjs'
import { YKeyValue } from 'y-utility/y-keyvalue'
import { RECORDS_KEY, META_KEY } from './docKeys.ts'

/*
 * The board document: one Y.Doc per board (its top-level keys: docKeys.ts). tldraw records sit
 * in a YKeyValue, whose size tracks the board rather than its edit history (a Y.Map would keep
 * every overwritten value).
 */

/** Bumped when Roundtable's own document layout (outside tldraw's records) changes. */
export const MODEL_VERSION = 1

export type JsonRecord = { id: string; typeName: string; [key: string]: unknown }

export interface BoardMeta {
  title?: string
  createdAt?: number
  /** tldraw's SerializedSchema the records were last written with. */
  schema?: unknown
  modelVersion?: number
}

export function recordsArray(doc: Y.Doc): Y.Array<{ key: string; val: JsonRecord }> {
  return doc.getArray(RECORDS_KEY)
}

export function boardRecords(doc: Y.Doc): YKeyValue<JsonRecord> {
  return new YKeyValue(recordsArray(doc))
}

export function boardMeta(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(META_KEY)
}

export function readMeta(doc: Y.Doc): BoardMeta {
  return boardMeta(doc).toJSON() as BoardMeta
}
