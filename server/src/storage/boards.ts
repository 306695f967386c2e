import { boardTag } from '@roundtable/shared'
import type { MaybePromise } from './maybeAsync.ts'
/**
 * Where boards live between server runs. Each board is a compacted state plus a log of the
 * updates appended since; loading applies both. A write may finish synchronously (SQLite) or
 * return a Promise (a database across the network); either way the caller broadcasts only once
 * it has finished, so "appended" means "stored".
 */
export interface StoredBoard {
  /** The compacted state (a Yjs update), if the board was ever compacted. */
  state: Uint8Array | undefined
  /**
   * The state vector of `state`, when it was stored with it: with no updates after the state, a
   * client can be synced from the stored bytes without decoding the board.
   */
  stateVector?: Uint8Array
  /** Updates appended since that state, oldest first. */
  updates: Uint8Array[]
  /** Each update's row number, in the same order (see `moveAside`). */
  updateSeqs: number[]
  /**
   * Rows whose checksum did not match what was written. They are left out of `state`/`updates`
   * and moved aside (kept, never deleted) so an operator can inspect them.
   */
  corrupt: CorruptRow[]
}

export interface CorruptRow extends RowRef {
  bytes: number
}

/** A stored row: the board's state (seq null) or one update of its log. */
export interface RowRef {
  table: 'board_state' | 'board_updates'
  seq: number | null
}

/**
 * The database refused a write because this process no longer owns the board: another process
 * took it over (see cluster/ownership.ts). Nothing was written; the board must be dropped here.
 */
export class FencedError extends Error {
  constructor(boardId: string) {
    super(`another process owns board ${boardTag(boardId)} now; nothing was written`)
  }
}

export interface BoardStorage {
  load(boardId: string): MaybePromise<StoredBoard>
  /** Durably append one Yjs update to the board's log in one transaction. Throws if it could not be stored. */
  appendUpdate(boardId: string, update: Uint8Array): MaybePromise<void>
  /**
   * Replace the board's log with one state that includes everything appended so far, and its
   * state vector when given (see StoredBoard.stateVector).
   */
  compact(boardId: string, state: Uint8Array, stateVector?: Uint8Array): MaybePromise<void>
  /**
   * Move rows that verify but cannot be applied out of the board into `corrupt_rows`, like
   * rows failing their checksum, so that no compaction deletes them.
   */
  moveAside(boardId: string, rows: RowRef[], reason: string): MaybePromise<void>
  /** Remember that a view token stands for a board (idempotent). */
  saveViewToken(token: string, boardId: string): MaybePromise<void>
  /** The board a view token stands for, if it was ever handed out. */
  boardForViewToken(token: string): MaybePromise<string | undefined>
  /** True when storage answers (readiness). */
  isReachable(): MaybePromise<boolean>
  /** True while the last write failed and none has succeeded since. */
  writesFailing(): MaybePromise<boolean>
  /** A tiny real write, to learn whether writes work again; throws if not. */
  probeWrite(): MaybePromise<void>
  close(): void
}
