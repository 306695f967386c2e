import * as Y from 'yjs'
import { createTLStore, defaultBindingUtils, defaultShapeUtils, type TLRecord, type TLSchema } from 'tldraw'
import {
  checkImportFits,
  MAX_IMPORT_BYTES,
  parseBoardFile,
  replaceBoardContent,
  type JsonRecord,
  type ParsedBoardFile,
  newBoardId,
  type SyncLimits,
} from '@roundtable/shared'
import { loadIntoEmptyBoard, migrateImport } from './importBoard.ts'
import { serverLimits } from '../runtimeConfig.ts'
import { boardPath, navigate } from '../router.ts'

/** tldraw's schema as the board page builds it (default shapes and bindings). */
let schema: TLSchema | undefined
export const boardSchema = () => (schema ??= createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils }).schema)

export interface ReadyImport {
  parsed: ParsedBoardFile
  records: TLRecord[]
}

/**
 * Reads, checks and migrates a chosen file, for a new board or `into` an open one; refuses what
 * the server would not take (it would close the connection and others would never see it).
 * Throws BoardFileError (or a read error) with a message for people.
 */
export async function readImportFile(file: File, opts: { into?: Y.Doc; limits?: SyncLimits } = {}): Promise<ReadyImport> {
  const parsed = parseBoardFile(file.size > MAX_IMPORT_BYTES ? '' : await file.text(), file.size)
  const records = migrateImport(boardSchema(), parsed)
  // Measured as it will be written: the whole new board, or the records added beside the rest.
  const probe = new Y.Doc()
  try {
    if (opts.into) replaceBoardContent(probe, { records: records as unknown as JsonRecord[] })
    else loadIntoEmptyBoard(probe, boardSchema(), parsed, records, 0)
    const boardBytes = opts.into ? Y.encodeStateAsUpdate(opts.into).byteLength : 0
    checkImportFits(Y.encodeStateAsUpdate(probe).byteLength, opts.limits ?? serverLimits, boardBytes, records)
  } finally {
    probe.destroy()
  }
  return { parsed, records }
}

/**
 * Imports waiting for a new board to open (the app navigates without reloading, so a module
 * map survives). The board page loads one into its doc before the canvas binds to it.
 */
const pending = new Map<string, ReadyImport>()

export function setPendingImport(boardId: string, ready: ReadyImport) {
  pending.set(boardId, ready)
}

export function takePendingImport(boardId: string): ReadyImport | undefined {
  const ready = pending.get(boardId)
  pending.delete(boardId)
  return ready
}

/** Opens a fresh board that starts with what was read from a file. */
export function openInNewBoard(ready: ReadyImport) {
  const id = newBoardId()
  setPendingImport(id, ready)
  navigate(boardPath(id))
}
