import { boardsToEvict } from '@roundtable/shared'
import { Room, type RoomOptions } from './room.ts'
import { collectGarbage } from './gc.ts'
import type { BoardStorage } from './storage/storage.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'

/** Collect garbage once boards whose encoded docs add up to this much went idle. */
const COLLECT_AFTER_BYTES = 4 * 1024 * 1024

export interface RoomHooks {
  onOpen?(room: Room): void
  /** The last connection left (before the unload is scheduled). */
  onEmpty?(room: Room): void
  /** The board is about to be unloaded (idle, to make room, or the server is stopping); its doc is still there. */
  onUnload?(room: Room, why: 'unload' | 'shutdown'): void
}

/** No room for another board: every loaded board has people on it. */
export class BoardsFullError extends Error {}

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
  private hooks: RoomHooks[] = []

  constructor(
    private storage: BoardStorage,
    private fanout: Fanout,
    private log: Logger,
    private metrics: Metrics,
    private opts: {
      roomIdleMs: number
      compactAfterUpdates: number
      docIdleMs: number
      maxBoardBytes: number
      maxBoardsLoaded: number
      maxPresenceClientsPerConnection: number
      maxPresenceStateBytes: number
      onRoundtable?: RoomOptions['onRoundtable']
      serverOwnedRoots?: RoomOptions['serverOwnedRoots']
      checkUpdate?: RoomOptions['checkUpdate']
      onLeave?: RoomOptions['onLeave']
    },
  ) {}

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

  listen(hooks: RoomHooks) {
    this.hooks.push(hooks)
  }

  /** Runs `fn` with the board loaded (e.g. an API request), then lets it unload if nobody is on it. */
  use<T>(boardId: string, fn: (room: Room) => T): T {
    const room = this.open(boardId)
    try {
      return fn(room)
    } finally {
      if (room.connectionCount === 0) this.scheduleUnload(room)
    }
  }

  /** The loaded room for a board, loading it from storage if needed. Throws BoardsFullError. */
  open(boardId: string): Room {
    this.cancelUnload(boardId)
    let room = this.rooms.get(boardId)
    if (room) {
      this.rooms.delete(boardId)
      this.rooms.set(boardId, room)
      return room
    }
    const evict = boardsToEvict(
      [...this.rooms.values()].map((r) => ({ room: r, idle: r.connectionCount === 0 })),
      this.opts.maxBoardsLoaded,
    )
    if (!evict) throw new BoardsFullError(`${this.rooms.size} boards are open and none is idle`)
    for (const { room: idle } of evict) this.unload(idle, 'to make room')
    const started = performance.now()
    room = new Room(boardId, this.storage, this.fanout, this.log, {
      compactAfterUpdates: this.opts.compactAfterUpdates,
      docIdleMs: this.opts.docIdleMs,
      maxBoardBytes: this.opts.maxBoardBytes,
      presence: { maxClientsPerConnection: this.opts.maxPresenceClientsPerConnection, maxStateBytes: this.opts.maxPresenceStateBytes },
      metrics: this.metrics,
      onEmpty: (r) => {
        for (const h of this.hooks) h.onEmpty?.(r)
        this.scheduleUnload(r)
      },
      onFailed: (r) => this.forget(r),
      onDecoded: () => this.metrics.boardsDecoded.inc(),
      onHibernated: (_, bytes) => {
        this.metrics.boardsDecoded.dec()
        this.collectSoon(bytes)
      },
      onRoundtable: this.opts.onRoundtable,
      serverOwnedRoots: this.opts.serverOwnedRoots,
      checkUpdate: this.opts.checkUpdate,
      onLeave: this.opts.onLeave,
    })
    this.rooms.set(boardId, room)
    for (const h of this.hooks) h.onOpen?.(room)
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

  private unload(room: Room, why: string) {
    this.unloadTimers.delete(room.id)
    if (this.rooms.get(room.id) !== room || room.connectionCount > 0) return
    for (const h of this.hooks) h.onUnload?.(room, 'unload')
    room.compact()
    this.forget(room)
    this.log.debug({ boardId: room.id, why }, 'board unloaded')
  }

  private forget(room: Room) {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id)
    this.cancelUnload(room.id)
    room.destroy()
    this.metrics.boardsLoaded.set(this.rooms.size)
  }

  /** Close every connection with the given code and fold every board's log into its state. */
  shutdown(code: number, reason: string) {
    for (const room of this.rooms.values()) {
      room.flush()
      for (const h of this.hooks) h.onUnload?.(room, 'shutdown')
      room.closeAll(code, reason)
      room.compact()
    }
    for (const room of [...this.rooms.values()]) this.forget(room)
  }
}
