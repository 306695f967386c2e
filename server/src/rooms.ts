import { Room } from './room.ts'
import type { BoardStorage } from './storage/storage.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'

export interface RoomHooks {
  onOpen?(room: Room): void
  /** The last connection left (before the unload is scheduled). */
  onEmpty?(room: Room): void
}

/** Loads boards on first connection and unloads them once they have been empty for a while. */
export class Rooms {
  private rooms = new Map<string, Room>()
  private unloadTimers = new Map<string, NodeJS.Timeout>()
  private hooks: RoomHooks[] = []

  constructor(
    private storage: BoardStorage,
    private fanout: Fanout,
    private log: Logger,
    private opts: { roomIdleMs: number; compactAfterUpdates: number },
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

  /** The loaded room for a board, loading it from storage if needed. */
  open(boardId: string): Room {
    this.cancelUnload(boardId)
    let room = this.rooms.get(boardId)
    if (!room) {
      const started = performance.now()
      room = new Room(boardId, this.storage, this.fanout, this.log, {
        compactAfterUpdates: this.opts.compactAfterUpdates,
        onEmpty: (r) => {
          for (const h of this.hooks) h.onEmpty?.(r)
          this.scheduleUnload(r)
        },
        onFailed: (r) => this.forget(r),
      })
      this.rooms.set(boardId, room)
      for (const h of this.hooks) h.onOpen?.(room)
      this.log.debug({ boardId, ms: Math.round(performance.now() - started) }, 'board loaded')
    }
    return room
  }

  private cancelUnload(boardId: string) {
    const timer = this.unloadTimers.get(boardId)
    if (timer) clearTimeout(timer)
    this.unloadTimers.delete(boardId)
  }

  private scheduleUnload(room: Room) {
    if (this.rooms.get(room.id) !== room) return
    this.cancelUnload(room.id)
    const timer = setTimeout(() => this.unload(room), this.opts.roomIdleMs)
    timer.unref()
    this.unloadTimers.set(room.id, timer)
  }

  private unload(room: Room) {
    this.unloadTimers.delete(room.id)
    if (this.rooms.get(room.id) !== room || room.connectionCount > 0) return
    room.compact()
    this.forget(room)
    this.log.debug({ boardId: room.id }, 'board unloaded')
  }

  private forget(room: Room) {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id)
    this.cancelUnload(room.id)
    room.destroy()
  }

  /** Close every connection with the given code and fold every board's log into its state. */
  shutdown(code: number, reason: string) {
    for (const room of this.rooms.values()) {
      room.closeAll(code, reason)
      room.compact()
    }
    for (const room of [...this.rooms.values()]) this.forget(room)
  }
}
