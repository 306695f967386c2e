import { boardsToEvict, CloseCode } from '@roundtable/shared'
import { Room } from './room.ts'
import type { RequestHandler, RoomExtension, UnloadReason } from './extension.ts'
import { collectGarbage } from '../gc.ts'
import type { BoardStorage } from '../storage/boards.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'

/** Collect garbage once boards whose encoded docs add up to this much went idle. */
const COLLECT_AFTER_BYTES = 4 * 1024 * 1024

/** No room for another board: every loaded board has people on it. */
export class BoardsFullError extends Error {}

/**
 * Who may load which board when several processes share a database (cluster/ownership.ts):
 * a board is loaded only by the process that acquired it, and released once unloaded.
 */
export interface BoardOwners {
  /** Throws OwnedElsewhereError when another live process has the board. */
  acquire(boardId: string): Promise<void>
  /** The epoch this process holds the board under, if it does. */
  epochOf(boardId: string): number | undefined
  /** Releases the board if still held under `epoch`. */
  release(boardId: string, epoch: number | undefined): Promise<void>
  /** A write was refused because another process took the board over. */
  lost(boardId: string): void
  whenLost(fn: (boardId: string) => void): void
}

/** Said to everyone on a board another process took over; their clients reconnect and reach it there. */
export const BOARD_MOVED = 'board moved to another server; reconnect'

/**
 * Loads boards on first connection and unloads them once they have been empty for a while, or
 * sooner when MAX_BOARDS_LOADED is reached and another board needs the room (least recently
 * used idle board first).
 */
export class Rooms {
  /** Loaded rooms, least recently opened first (re-inserted on every open). */
  private rooms = new Map<string, Room>()
  private unloadTimers = new Map<string, NodeJS.Timeout>()
  private collectTimer: NodeJS.Timeout | undefined
  private collectDueBy: number | undefined
  /** Encoded size of the docs dropped since the last collection (decoded, they weigh a few times more). */
  private droppedBytes = 0
  /** Every extension's request handlers, by op. */
  private requests = new Map<string, RequestHandler>()
  /** Boards being loaded from storage, so that concurrent opens share one load. */
  private loading = new Map<string, Promise<Room>>()
  /** Ownership releases waiting for an unloaded board's last write. */
  private releasing = new Set<Promise<void>>()

  constructor(
    private storage: BoardStorage,
    private log: Logger,
    private metrics: Metrics,
    private opts: {
      roomIdleMs: number
      compactAfterUpdates: number
      docIdleMs: number
      maxBoardBytes: number
      maxRecordBytes: number
      maxBoardsLoaded: number
      maxPresenceClientsPerConnection: number
      maxPresenceStateBytes: number
    },
    private extensions: readonly RoomExtension[] = [],
    private owners?: BoardOwners,
  ) {
    owners?.whenLost((boardId) => {
      const room = this.rooms.get(boardId)
      if (!room) return
      room.closeAll(CloseCode.restarting, BOARD_MOVED)
      this.forget(room, 'failed')
    })
    for (const ext of extensions) {
      for (const [op, handler] of Object.entries(ext.requests ?? {})) {
        if (this.requests.has(op)) throw new Error(`two extensions answer the request op ${op}`)
        this.requests.set(op, handler)
      }
    }
  }

  get size(): number {
    return this.rooms.size
  }

  has(boardId: string): boolean {
    return this.rooms.has(boardId)
  }

  /** The room if the board is loaded, without loading it. */
  get(boardId: string): Room | undefined {
    return this.rooms.get(boardId)
  }

  /** Runs `fn` with the board loaded (e.g. an API request), then lets it unload if nobody is on it. */
  async use<T>(boardId: string, fn: (room: Room) => T | Promise<T>): Promise<T> {
    const room = await this.open(boardId)
    try {
      return await fn(room)
    } finally {
      this.release(room)
    }
  }

  /** Lets a board opened for someone who is gone (or for a request) unload once idle. */
  release(room: Room) {
    if (room.connectionCount === 0) this.scheduleUnload(room)
  }

  /**
   * The loaded room for a board, loading it from storage if needed (several callers share one
   * load). Rejects with BoardsFullError when every loaded board has people on it.
   */
  open(boardId: string): Promise<Room> {
    this.cancelUnload(boardId)
    const room = this.rooms.get(boardId)
    if (room) {
      // Least recently used first: re-inserted on every open.
      this.rooms.delete(boardId)
      this.rooms.set(boardId, room)
      return Promise.resolve(room)
    }
    let loading = this.loading.get(boardId)
    if (!loading) {
      loading = this.load(boardId).finally(() => this.loading.delete(boardId))
      this.loading.set(boardId, loading)
    }
    return loading
  }

  private async load(boardId: string): Promise<Room> {
    if (!this.owners) return this.loadOwned(boardId)
    await this.owners.acquire(boardId)
    try {
      return await this.loadOwned(boardId)
    } catch (err) {
      await this.owners.release(boardId, this.owners.epochOf(boardId)).catch(() => {})
      throw err
    }
  }

  private async loadOwned(boardId: string): Promise<Room> {
    const evict = boardsToEvict(
      [...this.rooms.values()].map((r) => ({ room: r, idle: r.connectionCount === 0 })),
      this.opts.maxBoardsLoaded - this.loading.size,
    )
    if (!evict) throw new BoardsFullError(`${this.rooms.size} boards are open and none is idle`)
    for (const { room: idle } of evict) this.unload(idle, 'to make room')
    const started = performance.now()
    for (const ext of this.extensions) await ext.prepare?.(boardId)
    const stored = await this.storage.load(boardId)
    const room = new Room(boardId, stored, this.storage, {
      log: this.log,
      metrics: this.metrics,
      compactAfterUpdates: this.opts.compactAfterUpdates,
      docIdleMs: this.opts.docIdleMs,
      maxBoardBytes: this.opts.maxBoardBytes,
      maxRecordBytes: this.opts.maxRecordBytes,
      presence: { maxClientsPerConnection: this.opts.maxPresenceClientsPerConnection, maxStateBytes: this.opts.maxPresenceStateBytes },
      extensions: this.extensions,
      requests: this.requests,
      onEmpty: (r) => {
        for (const ext of this.extensions) ext.onEmpty?.(r)
        this.scheduleUnload(r)
      },
      onFailed: (r) => this.forget(r, 'failed'),
      onMoved: (r) => this.owners?.lost(r.id),
      onDecoded: () => this.metrics.boardsDecoded.inc(),
      onDropped: (bytes) => {
        this.metrics.boardsDecoded.dec()
        this.collectSoon(bytes)
      },
    })
    this.rooms.set(boardId, room)
    for (const ext of this.extensions) ext.onOpen?.(room)
    this.metrics.boardsLoaded.set(this.rooms.size)
    this.log.debug({ boardId, ms: Math.round(performance.now() - started) }, 'board loaded')
    return room
  }

  /**
   * Once boards stop going idle (a quiet second, or at the latest after a minute), collect
   * garbage so the decoded docs they dropped leave the process rather than wait for the next
   * allocation-triggered collection, which a quiet server may never run. Only when that frees
   * a lot: a full collection costs tens of milliseconds.
   */
  private collectSoon(encodedBytes: number) {
    this.droppedBytes += encodedBytes
    if (this.droppedBytes < COLLECT_AFTER_BYTES) return
    const now = performance.now()
    this.collectDueBy ??= now + 60_000
    clearTimeout(this.collectTimer)
    this.collectTimer = setTimeout(
      () => {
        this.collectTimer = undefined
        this.collectDueBy = undefined
        this.droppedBytes = 0
        const started = performance.now()
        collectGarbage()
        this.log.debug({ ms: Math.round(performance.now() - started) }, 'collected garbage after boards went idle')
      },
      Math.max(0, Math.min(1000, this.collectDueBy - now)),
    )
    this.collectTimer.unref()
  }

  private cancelUnload(boardId: string) {
    const timer = this.unloadTimers.get(boardId)
    if (timer) clearTimeout(timer)
    this.unloadTimers.delete(boardId)
  }

  private scheduleUnload(room: Room) {
    if (this.rooms.get(room.id) !== room) return
    this.cancelUnload(room.id)
    const timer = setTimeout(() => this.unload(room, 'idle'), this.opts.roomIdleMs)
    timer.unref()
    this.unloadTimers.set(room.id, timer)
  }

  private unload(room: Room, why: UnloadReason) {
    this.unloadTimers.delete(room.id)
    if (this.rooms.get(room.id) !== room || room.connectionCount > 0) return
    this.forget(room, why)
    this.log.debug({ boardId: room.id, why }, 'board unloaded')
  }

  /** Lets the extensions finish with the board, folds its log into one state, and drops it. */
  private forget(room: Room, why: UnloadReason) {
    for (const ext of this.extensions) ext.onUnload?.(room, why)
    if (why !== 'failed') room.compact()
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id)
    this.cancelUnload(room.id)
    room.destroy()
    this.metrics.boardsLoaded.set(this.rooms.size)
    if (this.owners) {
      // Only once the last write landed: another process could take the board and miss it.
      const owners = this.owners
      const epoch = owners.epochOf(room.id)
      const releasing = room
        .drained()
        .then(() => owners.release(room.id, epoch))
        .catch((err: unknown) => this.log.warn({ err, boardId: room.id }, 'could not release the board; its lease will run out'))
        .finally(() => this.releasing.delete(releasing))
      this.releasing.add(releasing)
    }
  }

  /**
   * Close every connection with the given code and fold every board's log into its state.
   * Resolves once every board's last write landed and its ownership was released.
   */
  async shutdown(code: number, reason: string): Promise<void> {
    for (const room of [...this.rooms.values()]) {
      // First, so that what the extensions publish on the way out reaches everyone.
      this.forget(room, 'shutdown')
      room.closeAll(code, reason)
    }
    await Promise.all(this.releasing)
  }
}
