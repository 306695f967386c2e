import type { MaybePromise } from './maybeAsync.ts'
/**
 * Snapshots of boards: each is the board's whole Yjs state at one moment, so it can be
 * previewed, exported, restored or forked without replaying anything. Kinds: `named` (taken by
 * someone), `auto` (taken by the server; only these are pruned) and `before-restore` (what the
 * board held before a restore, kept like a named one so a restore never loses anything).
 */
export type SnapshotKind = 'named' | 'auto' | 'before-restore'

export interface SnapshotInfo {
  id: string
  boardId: string
  name: string
  kind: SnapshotKind
  /** Who took it (their display name); undefined for automatic ones. */
  createdBy?: string
  createdAt: number
  /** Size of the stored state in bytes. */
  bytes: number
}

export interface Snapshot extends SnapshotInfo {
  /** The board's state as one Yjs update. */
  state: Uint8Array
}

export interface SnapshotStorage {
  add(boardId: string, input: { name: string; kind: SnapshotKind; createdBy?: string; state: Uint8Array }): MaybePromise<SnapshotInfo>
  /** Newest first: at most `limit`, older than snapshot `before` when given (undefined if that is not one of the board's). */
  list(boardId: string, page?: { limit: number; before?: string }): MaybePromise<SnapshotInfo[] | undefined>
  /** How many snapshots people keep on the board: all but automatic ones. */
  countKept(boardId: string): MaybePromise<number>
  get(boardId: string, snapshotId: string): MaybePromise<Snapshot | undefined>
  /** Drops all but the newest `keep` automatic snapshots of a board; named ones stay. */
  pruneAutomatic(boardId: string, keep: number): MaybePromise<void>
  close(): void
}

/** A snapshot's row as both stores keep it (PostgreSQL returns a bigint as text). */
export type SnapshotRow = {
  id: string
  board_id: string
  name: string
  kind: SnapshotKind
  created_by: string | null
  created_at: number | string
  bytes: number
}

export function snapshotInfo(row: SnapshotRow): SnapshotInfo {
  return {
    id: row.id,
    boardId: row.board_id,
    name: row.name,
    kind: row.kind,
    ...(row.created_by ? { createdBy: row.created_by } : {}),
    createdAt: Number(row.created_at),
    bytes: row.bytes,
  }
}
