import * as Y from 'yjs'
import { boardMeta, boardRecords, type JsonRecord } from '../boardDoc.ts'
import { AGENDA_KEY, FACILITATION_KEY, PARTICIPANTS_KEY, SESSION_LOG_KEY, VOTES_KEY } from '../docKeys.ts'
import { SYNC_MESSAGE_OVERHEAD, type SyncLimits } from '../protocol.ts'
import { formatBytes, recordSize } from '../limits.ts'
import { parseJsonSafely, UnsafeJsonError } from '../security/safeJson.ts'
import { neutraliseRecord } from '../security/urls.ts'

/**
 * Board files: tldraw's own `.tldr` format (opens in tldraw) and Roundtable's JSON snapshot
 * (the whole board including facilitation state, re-importable). Pure: no DOM, no tldraw, so
 * the browser and the server build and read the same files.
 */

/** tldraw's file format version we write and the newest we read. */
export const TLDR_FILE_FORMAT_VERSION = 1
export const TLDR_MIME_TYPE = 'application/vnd.tldraw+json'
export const BOARD_FILE_FORMAT = 'roundtable-board'
/** Bumped when the JSON snapshot's layout changes; older versions stay readable. */
export const BOARD_FILE_VERSION = 1
/**
 * Files larger than this are refused before parsing. What is read must then also fit the
 * server's limits once on a board (see checkImportFits), usually the smaller bound.
 */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024

/**
 * Refuses an import the server would not take: it reaches the server as one update in one
 * WebSocket frame (a bigger frame closes the connection), and the board must stay within the
 * server's board size. `boardBytes`: the encoded size of the board it goes into (0 for a new
 * one). Throws BoardFileError with a message for people.
 */
export function checkImportFits(updateBytes: number, limits: SyncLimits, boardBytes = 0, records: readonly { id: string }[] = []) {
  for (const record of records) {
    const size = recordSize(record)
    if (size > limits.maxRecordBytes) {
      throw new BoardFileError(
        `The file holds a record too big for this server (${record.id}, ${formatBytes(size)}); the limit is ${formatBytes(limits.maxRecordBytes)} per record.`,
      )
    }
  }
  if (updateBytes + SYNC_MESSAGE_OVERHEAD > limits.maxFrameBytes) {
    throw new BoardFileError(
      `The file is too big for this server (${formatBytes(updateBytes)} on a board); the limit is ${formatBytes(limits.maxFrameBytes)}.`,
    )
  }
  if (boardBytes + updateBytes > limits.maxBoardBytes) {
    throw new BoardFileError(
      `With what is on this board, the board would be too big (${formatBytes(boardBytes + updateBytes)}); the limit is ${formatBytes(limits.maxBoardBytes)}. Import it into a new board instead.`,
    )
  }
}

/**
 * A download's name (without extension) from the board title and, say, a snapshot's name: each
 * part cut down to letters, digits, `_` and `-` (spaces become dashes) and 60 characters, so
 * nothing in a title can break a file name or the header that carries it.
 */
export function downloadBaseName(...parts: (string | undefined)[]): string {
  const clean = (part = '') =>
    part
      .replace(/[^\p{L}\p{N} _-]+/gu, '')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 60)
  return parts.map(clean).filter(Boolean).join('-') || 'board'
}

export interface TldrFile {
  tldrawFileFormatVersion: number
  schema: unknown
  records: JsonRecord[]
}

/**
 * Doc maps copied as they are (plain JSON values keyed by id). Published vote results come
 * along; ballots never were in the doc, and a silent brainstorm's round state stays behind.
 */
export const DOC_MAPS: readonly string[] = [PARTICIPANTS_KEY, FACILITATION_KEY, AGENDA_KEY, VOTES_KEY]
/** Doc arrays copied as they are (append-only histories). */
export const DOC_ARRAYS: readonly string[] = [SESSION_LOG_KEY]

export interface BoardFile {
  format: typeof BOARD_FILE_FORMAT
  version: number
  exportedAt: number
  /** The doc's `meta` map: title, createdAt, tldraw `schema` the records were written with. */
  meta: Record<string, unknown>
  records: JsonRecord[]
  /** Facilitation and people: `participants`, `facilitation`, `agenda`, `votes` maps and the `sessionLog`. */
  maps: Record<string, Record<string, unknown>>
  arrays: Record<string, unknown[]>
}

function sortedRecords(doc: Y.Doc): JsonRecord[] {
  // Sorted by id so that the same board always serializes to the same bytes.
  return [...boardRecords(doc).map.values()].map((e) => e.val).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * The board as a Roundtable JSON snapshot. `fallbackSchema` is recorded when no client has
 * written the board yet (as for `boardToTldr`), so the file can be imported again.
 */
export function boardToFile(doc: Y.Doc, now: number, fallbackSchema?: unknown): BoardFile {
  const maps: BoardFile['maps'] = {}
  for (const key of DOC_MAPS) {
    const map = doc.getMap(key)
    if (map.size > 0) maps[key] = map.toJSON()
  }
  const arrays: BoardFile['arrays'] = {}
  for (const key of DOC_ARRAYS) {
    const array = doc.getArray(key)
    if (array.length > 0) arrays[key] = array.toJSON()
  }
  const meta = boardMeta(doc).toJSON()
  if (meta.schema === undefined && fallbackSchema !== undefined) meta.schema = fallbackSchema
  return { format: BOARD_FILE_FORMAT, version: BOARD_FILE_VERSION, exportedAt: now, meta, records: sortedRecords(doc), maps, arrays }
}

/**
 * The board as a `.tldr` file. `fallbackSchema` is used when no client has written the board
 * yet (its meta has no schema): the server passes tldraw's current schema.
 */
export function boardToTldr(doc: Y.Doc, fallbackSchema?: unknown): TldrFile {
  const schema = boardMeta(doc).get('schema') ?? fallbackSchema
  if (!schema) throw new Error('the board has no tldraw schema to write')
  return { tldrawFileFormatVersion: TLDR_FILE_FORMAT_VERSION, schema, records: sortedRecords(doc) }
}

/** What a file held, ready to be migrated to the reader's tldraw schema and written to a board. */
export interface ParsedBoardFile {
  kind: 'tldr' | 'roundtable'
  /** The tldraw schema the records were written with. */
  schema: unknown
  records: JsonRecord[]
  /** How many links and image sources were emptied because they could run script (javascript:, data:text/html, SVG with script). */
  neutralised: number
  /** Roundtable files only: title and facilitation state. */
  title?: string
  maps?: BoardFile['maps']
  arrays?: BoardFile['arrays']
}

/**
 * The votes a board made from another one (an import, a fork) keeps: closed votes' results. An
 * open vote's ballots are on the server and board that ran it, so it could never be closed there.
 */
export function closedVotesOnly(votes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(votes).filter(([, v]) => isPlainObject(v) && v.status === 'closed'))
}

/** A file we cannot import; `message` is for people. */
export class BoardFileError extends Error {}

function isRecord(value: unknown): value is JsonRecord {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as JsonRecord).id === 'string' &&
    typeof (value as JsonRecord).typeName === 'string'
  )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

function checkSchema(schema: unknown) {
  if (!isPlainObject(schema) || typeof schema.schemaVersion !== 'number') {
    throw new BoardFileError('The file has no tldraw schema, so its shapes cannot be read.')
  }
}

function checkRecords(records: unknown): { records: JsonRecord[]; neutralised: number } {
  if (!Array.isArray(records) || !records.every(isRecord))
    throw new BoardFileError('The file’s records are damaged: each needs an id and a type.')
  // Links to script and sources that could run it are emptied, not refused: the rest of the board is fine.
  let neutralised = 0
  const safe = records.map((record) => {
    const fixed = neutraliseRecord(record)
    neutralised += fixed.neutralised
    return fixed.record
  })
  return { records: safe, neutralised }
}

/**
 * Reads a `.tldr` or Roundtable JSON file's text. Checks size and shape only; whether the
 * records migrate to (and validate under) our tldraw schema is the caller's next step.
 * Throws BoardFileError with a message for people.
 */
export function parseBoardFile(text: string, byteLength = text.length): ParsedBoardFile {
  if (byteLength > MAX_IMPORT_BYTES) {
    throw new BoardFileError(`The file is too big (${formatBytes(byteLength)}); the limit is ${formatBytes(MAX_IMPORT_BYTES)}.`)
  }
  let data: unknown
  try {
    data = parseJsonSafely(text)
  } catch (err) {
    if (err instanceof UnsafeJsonError) throw new BoardFileError(`This is not a board file: it is ${err.message}.`)
    throw new BoardFileError('This is not a board file: it is not JSON. Choose a .tldr file or a Roundtable .json snapshot.')
  }
  if (!isPlainObject(data)) throw new BoardFileError('This is not a board file. Choose a .tldr file or a Roundtable .json snapshot.')

  if (data.format === BOARD_FILE_FORMAT) {
    if (typeof data.version !== 'number' || data.version > BOARD_FILE_VERSION) {
      throw new BoardFileError(
        `This snapshot was made by a newer version of Roundtable (format ${String(data.version)}); update Roundtable to open it.`,
      )
    }
    const meta = isPlainObject(data.meta) ? data.meta : {}
    checkSchema(meta.schema)
    const maps: BoardFile['maps'] = {}
    if (isPlainObject(data.maps)) for (const key of DOC_MAPS) if (isPlainObject(data.maps[key])) maps[key] = data.maps[key]
    if (maps[VOTES_KEY]) maps[VOTES_KEY] = closedVotesOnly(maps[VOTES_KEY])
    const arrays: BoardFile['arrays'] = {}
    if (isPlainObject(data.arrays)) for (const key of DOC_ARRAYS) if (Array.isArray(data.arrays[key])) arrays[key] = data.arrays[key]
    return {
      kind: 'roundtable',
      schema: meta.schema,
      ...checkRecords(data.records),
      title: typeof meta.title === 'string' ? meta.title : undefined,
      maps,
      arrays,
    }
  }
  if ('tldrawFileFormatVersion' in data) {
    const version = data.tldrawFileFormatVersion
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
      throw new BoardFileError('The .tldr file is damaged: its format version is not a number.')
    if (version > TLDR_FILE_FORMAT_VERSION)
      throw new BoardFileError(
        `This .tldr file was made by a newer tldraw (file format ${version}); we read up to ${TLDR_FILE_FORMAT_VERSION}.`,
      )
    checkSchema(data.schema)
    return { kind: 'tldr', schema: data.schema, ...checkRecords(data.records) }
  }
  if (isPlainObject(data.document) && 'version' in data.document) {
    throw new BoardFileError('This is a file from tldraw version 1, which we cannot read. Open it in tldraw.com and save it again.')
  }
  throw new BoardFileError('This JSON file is not a board: expected a .tldr file or a Roundtable snapshot.')
}

export interface WriteBoardOptions {
  /** Which doc maps and arrays to replace with the content's too (default: records only). */
  maps?: readonly string[]
  arrays?: readonly string[]
  /** Title for the board's meta. */
  title?: string
  /** The tldraw schema `records` are written with (recorded in meta). */
  schema?: unknown
}

/**
 * Makes the doc hold exactly `records` (and optionally the given facilitation state) in one
 * transaction, writing only what differs: unchanged records are not rewritten, so the change is
 * as small as the difference. Used for restoring a snapshot and for loading an import into a
 * fresh board.
 */
export function replaceBoardContent(
  doc: Y.Doc,
  content: { records: readonly JsonRecord[]; maps?: BoardFile['maps']; arrays?: BoardFile['arrays'] },
  opts: WriteBoardOptions = {},
  origin?: unknown,
): { put: number; removed: number } {
  const kv = boardRecords(doc)
  const wanted = new Map(content.records.map((r) => [r.id, r]))
  let put = 0
  let removed = 0
  doc.transact(() => {
    for (const id of [...kv.map.keys()]) {
      if (!wanted.has(id)) {
        kv.delete(id)
        removed++
      }
    }
    for (const [id, record] of wanted) {
      const current = kv.get(id)
      if (current && JSON.stringify(current) === JSON.stringify(record)) continue
      kv.set(id, record)
      put++
    }
    const meta = boardMeta(doc)
    if (opts.schema !== undefined) meta.set('schema', opts.schema)
    if (opts.title !== undefined && meta.get('title') !== opts.title) meta.set('title', opts.title)
    for (const key of opts.maps ?? []) {
      const map = doc.getMap(key)
      const next = content.maps?.[key] ?? {}
      for (const k of [...map.keys()]) if (!(k in next)) map.delete(k)
      for (const [k, v] of Object.entries(next)) if (JSON.stringify(map.get(k)) !== JSON.stringify(v)) map.set(k, v)
    }
    for (const key of opts.arrays ?? []) {
      const array = doc.getArray(key)
      const next = content.arrays?.[key] ?? []
      if (JSON.stringify(array.toJSON()) === JSON.stringify(next)) continue
      array.delete(0, array.length)
      array.push(next)
    }
  }, origin)
  return { put, removed }
}

/** A Y.Doc holding a board stored as one Yjs update (a snapshot or a board's state). */
export function docFromUpdate(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}
