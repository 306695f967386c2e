import { Room, type RoomOptions } from './room.ts'
import type { BoardStorage } from './storage/storage.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'

/** Loads boards on first connection and unloads them once they have been empty for a while. */
export class Rooms {
  private rooms = new Map<string, Room>()
  private unloadTimers = new Map<string, NodeJS.Timeout>()

  constructor(
    private storage: BoardStorage,
    private fanout: Fanout,
    private log: Logger,
    private opts: { roomIdleMs: number; compactAfterUpdates: number; onRoundtable?: RoomOptions['onRoundtable'] },
  ) {}

  get size(): number {
    return this.rooms.size
  }

  has(boardId: string): boolean {
    return this.rooms.has(boardId)
  }

  /** The loaded room for a board, loading it from storage if needed. */
  open(boardId: string): Room {
    this.cancelUnload(boardId)
    let room = this.rooms.get(boardId)
    if (!room) {
      const started = performance.now()
      room = new Room(boardId, this.storage, this.fanout, this.log, {
        compactAfterUpdates: this.opts.compactAfterUpdates,
        onEmpty: (r) => this.scheduleUnload(r),
        onFailed: (r) => this.forget(r),
        onRoundtable: this.opts.onRoundtable,
      })
      this.rooms.set(boardId, room)
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
