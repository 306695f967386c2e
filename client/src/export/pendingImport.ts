import { createTLStore, defaultBindingUtils, defaultShapeUtils, type TLRecord, type TLSchema } from 'tldraw'
import { MAX_IMPORT_BYTES, parseBoardFile, type ParsedBoardFile } from '@roundtable/shared'
import { migrateImport } from './importBoard.ts'

/** tldraw's schema as the board page builds it (default shapes and bindings). */
let schema: TLSchema | undefined
export const boardSchema = () => (schema ??= createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils }).schema)

export interface ReadyImport {
  parsed: ParsedBoardFile
  records: TLRecord[]
}

/** Reads, checks and migrates a chosen file; throws BoardFileError (or a read error) with a message for people. */
export async function readImportFile(file: File): Promise<ReadyImport> {
  const parsed = parseBoardFile(file.size > MAX_IMPORT_BYTES ? '' : await file.text(), file.size)
  return { parsed, records: migrateImport(boardSchema(), parsed) }
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
