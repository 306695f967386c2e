import type { Connection } from './connection.ts'
import type { Room } from './room.ts'
import type { RootWrite } from './updateInspection.ts'
import type { MaybePromise } from '../storage/maybeAsync.ts'

/** Why a board leaves memory: nobody used it for a while, another board needed the room, the server stops, or storage failed. */
export type UnloadReason = 'idle' | 'to make room' | 'shutdown' | 'failed'

/** A request the asker should read as refused: answered `{ ok: false, error, code? }`. */
export class RequestRefusal extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

/** Answers one request (`{ id, op, ...args }`) on the sync socket; may return a Promise. Throw RequestRefusal to refuse. */
export type RequestHandler = (room: Room, conn: Connection, request: Record<string, unknown>) => unknown

/**
 * How a server feature (votes and silent rounds, snapshots) plugs into rooms. The sync core
 * knows none of them: it calls these hooks at the moments named, synchronously but `prepare`,
 * so that what a feature decides about a write happens before the write is stored and sent.
 */
export interface RoomExtension {
  /** Top-level types of the doc only this feature writes (through the server). */
  readonly serverOwnedRoots?: readonly string[]
  /** Why an editor's writes into `serverOwnedRoots` are refused (4409), or undefined to accept them. */
  checkUpdate?(room: Room, writes: readonly RootWrite[]): string | undefined
  /** Requests this feature answers, by op. */
  readonly requests?: Readonly<Record<string, RequestHandler>>
  /** Before a board is loaded: what the feature must know of it before anyone writes (awaited). */
  prepare?(boardId: string): MaybePromise<void>
  /** The board was loaded. */
  onOpen?(room: Room): void
  /** A connection left (the room no longer lists it). */
  onLeave?(room: Room, conn: Connection): void
  /** The last connection left (the board stays loaded for a while). */
  onEmpty?(room: Room): void
  /** The board is about to leave memory; its doc is still there (unless storage failed). */
  onUnload?(room: Room, why: UnloadReason): void
}
