import * as Y from 'yjs'
import type { RoomExtension, UnloadReason } from '../sync/extension.ts'
import type { Room } from '../sync/room.ts'
import type { SnapshotStorage } from '../storage/snapshots.ts'
import type { Logger } from '../logger.ts'

/** Transaction origin of a restore, which is not activity of its own (it snapshots before). */
export const RESTORE_ORIGIN = Symbol('restore')

/**
 * Automatic snapshots: one after each stretch of activity (AUTO_SNAPSHOT_MS after the first
 * change since the last one), and one still due when everyone has left, the board is unloaded
 * or the server stops. Only the newest AUTO_SNAPSHOTS_KEPT are kept.
 */
export class AutoSnapshots implements RoomExtension {
  private due = new Map<Room, { timer?: NodeJS.Timeout; stop: () => void }>()

  constructor(
    private snapshots: SnapshotStorage,
    private log: Logger,
    private opts: { autoSnapshotMs: number; autoSnapshotsKept: number },
  ) {}

  onOpen(room: Room) {
    const state: { timer?: NodeJS.Timeout; stop: () => void } = { stop: () => {} }
    // Through the room, not its doc: an idle board's doc is dropped and a new one decoded later.
    state.stop = room.onUpdate((_update, origin) => {
      if (state.timer || origin === RESTORE_ORIGIN) return
      state.timer = setTimeout(() => {
        state.timer = undefined
        this.take(room, 'Automatic (during the session)')
      }, this.opts.autoSnapshotMs)
      state.timer.unref()
    })
    this.due.set(room, state)
  }

  onEmpty(room: Room) {
    this.takePending(room, 'Automatic (everyone left)')
  }

  onUnload(room: Room, why: UnloadReason) {
    // A snapshot still waiting for its timer is taken now rather than lost with the room.
    if (why !== 'failed') this.takePending(room, why === 'shutdown' ? 'Automatic (server stopped)' : 'Automatic (during the session)')
    const state = this.due.get(room)
    clearTimeout(state?.timer)
    state?.stop()
    this.due.delete(room)
  }

  private takePending(room: Room, name: string) {
    const state = this.due.get(room)
    if (!state?.timer) return
    clearTimeout(state.timer)
    state.timer = undefined
    this.take(room, name)
  }

  private take(room: Room, name: string) {
    const boardId = room.id
    // The state now, while the doc is there; storing it may finish later.
    const state = Y.encodeStateAsUpdate(room.doc)
    Promise.resolve()
      .then(async () => {
        await this.snapshots.add(boardId, { name, kind: 'auto', state })
        await this.snapshots.pruneAutomatic(boardId, this.opts.autoSnapshotsKept)
        this.log.debug({ boardId, name }, 'automatic snapshot')
      })
      .catch((err: unknown) => this.log.error({ boardId, err }, 'automatic snapshot failed'))
  }
}
