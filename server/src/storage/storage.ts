/**
 * Where boards live between server runs. Each board is a compacted state plus a log of the
 * updates appended since; loading applies both. Calls are synchronous so that "appended" means
 * "on disk" by the time the caller broadcasts.
 */
export interface StoredBoard {
  /** The compacted state (a Yjs update), if the board was ever compacted. */
  state: Uint8Array | undefined
  /** Updates appended since that state, oldest first. */
  updates: Uint8Array[]
}

export interface BoardStorage {
  load(boardId: string): StoredBoard
  /** Durably append one Yjs update to the board's log. Throws if it could not be stored. */
  appendUpdate(boardId: string, update: Uint8Array): void
  /** Replace the board's log with one state that includes everything appended so far. */
  compact(boardId: string, state: Uint8Array): void
  /** True when storage answers (readiness). */
  isReachable(): boolean
  close(): void
}
