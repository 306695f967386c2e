import * as Y from 'yjs'
import { AGENDA_KEY, boardMeta, boardRecords, docFromUpdate, newBoardId, replaceBoardContent, type JsonRecord } from '@roundtable/shared'
import type { BoardStorage } from '../storage/storage.ts'
import type { SnapshotInfo, SnapshotKind, SnapshotStorage } from '../storage/snapshots.ts'
import type { Rooms } from '../rooms.ts'
import type { Room } from '../room.ts'
import type { Logger } from '../logger.ts'

/** A request that cannot be served as asked; becomes a 4xx JSON error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const RESTORE_ORIGIN = Symbol('restore')

/**
 * Snapshots of boards: taken by people (named) or by the server (after each stretch of
 * activity and when the last person leaves); restored as a new change on top of the board, or
 * forked into a new board.
 */
export class BoardSnapshots {
  private activity = new Map<Room, { timer?: NodeJS.Timeout }>()

  constructor(
    private storage: BoardStorage,
    private snapshots: SnapshotStorage,
    private rooms: Rooms,
    private log: Logger,
    private opts: { autoSnapshotMs: number; autoSnapshotsKept: number },
  ) {
    rooms.listen({ onOpen: (room) => this.watch(room), onEmpty: (room) => this.onEmpty(room) })
  }

  /** The board a view-only token stands for, if any. */
  boardForViewToken(token: string): string | undefined {
    try {
      return this.storage.boardForViewToken(token)
    } catch {
      throw new ApiError(503, 'storage is unavailable; try again')
    }
  }

  /** A board exists once something was stored for it (or it is loaded right now). */
  exists(boardId: string): boolean {
    if (this.rooms.has(boardId)) return true
    const stored = this.storage.load(boardId)
    return !!stored.state || stored.updates.length > 0
  }

  /** The board's current state as one update, without loading it into a room. */
  currentState(boardId: string): Uint8Array {
    const room = this.rooms.get(boardId)
    if (room) return Y.encodeStateAsUpdate(room.doc)
    const stored = this.storage.load(boardId)
    const parts = [...(stored.state ? [stored.state] : []), ...stored.updates]
    return parts.length === 1 ? parts[0] : Y.mergeUpdates(parts)
  }

  private requireBoard(boardId: string) {
    if (!this.exists(boardId)) throw new ApiError(404, `no board ${boardId}`)
  }

  take(boardId: string, input: { name: string; kind: SnapshotKind; createdBy?: string }): SnapshotInfo {
    this.requireBoard(boardId)
    const snapshot = this.snapshots.add(boardId, { ...input, state: this.currentState(boardId) })
    this.log.info({ boardId, snapshotId: snapshot.id, kind: input.kind }, 'snapshot taken')
    return snapshot
  }

  list(boardId: string): SnapshotInfo[] {
    this.requireBoard(boardId)
    return this.snapshots.list(boardId)
  }

  get(boardId: string, snapshotId: string) {
    this.requireBoard(boardId)
    const snapshot = this.snapshots.get(boardId, snapshotId)
    if (!snapshot) throw new ApiError(404, `no snapshot ${snapshotId} on board ${boardId}`)
    return snapshot
  }

  /**
   * Makes the board look like the snapshot again, as one new change on top (connected people see
   * it live, and undoing it is another restore). The state before is snapshotted first. Restores
   * the canvas, title and agenda; the session log and the people who took part stay: they are
   * history, not content.
   */
  restore(boardId: string, snapshotId: string, by?: string): { restored: SnapshotInfo; before: SnapshotInfo; changed: number } {
    const snapshot = this.get(boardId, snapshotId)
    const target = docFromUpdate(snapshot.state)
    try {
      return this.rooms.use(boardId, (room) => {
        const theirs = boardMeta(target).get('schema')
        const ours = boardMeta(room.doc).get('schema')
        if (theirs && ours && JSON.stringify(theirs) !== JSON.stringify(ours) && boardRecords(target).map.size > 0) {
          // Clients apply remote records without migrating them; a fork migrates on open.
          throw new ApiError(409, 'this snapshot was saved by another version of the canvas; fork it into a new board instead')
        }
        const before = this.take(boardId, { name: `Before restoring “${snapshot.name}”`, kind: 'auto', createdBy: by })
        const records = [...boardRecords(target).map.values()].map((e) => e.val as JsonRecord)
        const title = boardMeta(target).get('title')
        const { put, removed } = replaceBoardContent(
          room.doc,
          { records, maps: { [AGENDA_KEY]: target.getMap(AGENDA_KEY).toJSON() } },
          { maps: [AGENDA_KEY], title: typeof title === 'string' ? title : undefined },
          RESTORE_ORIGIN,
        )
        // Stored before anyone is told it happened; a refused write was rolled back.
        if (!room.flush()) throw new ApiError(503, 'storage is failing; the board was not changed')
        this.log.info({ boardId, snapshotId, put, removed }, 'snapshot restored')
        const { state: _state, ...restored } = snapshot
        return { restored, before, changed: put + removed }
      })
    } finally {
      target.destroy()
    }
  }

  /** A new board holding the snapshot (or the board's current state). Returns its id. */
  fork(boardId: string, snapshotId?: string): string {
    this.requireBoard(boardId)
    const state = snapshotId ? this.get(boardId, snapshotId).state : this.currentState(boardId)
    const doc = docFromUpdate(state)
    try {
      const meta = boardMeta(doc)
      const title = typeof meta.get('title') === 'string' && meta.get('title') ? String(meta.get('title')) : 'Untitled board'
      doc.transact(() => {
        meta.set('title', `${title} (fork)`)
        // Not the source board's id: that is its edit link, and a fork may be shared view-only.
        meta.set('forkedFrom', { at: Date.now(), ...(snapshotId ? { snapshotId } : {}) })
      })
      const id = newBoardId()
      this.storage.compact(id, Y.encodeStateAsUpdate(doc))
      this.log.info({ boardId, snapshotId, forkId: id }, 'board forked')
      return id
    } finally {
      doc.destroy()
    }
  }

  // Automatic snapshots: one after each stretch of activity, and one when everyone has left.

  private watch(room: Room) {
    const state: { timer?: NodeJS.Timeout } = {}
    this.activity.set(room, state)
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (state.timer || origin === RESTORE_ORIGIN) return
      state.timer = setTimeout(() => {
        state.timer = undefined
        this.auto(room, 'Automatic (during the session)')
      }, this.opts.autoSnapshotMs)
      state.timer.unref()
    }
    // Through the room, not its doc: an idle board's doc is dropped and a new one decoded later.
    room.onUpdate(onUpdate)
    room.onDestroy(() => {
      clearTimeout(state.timer)
      this.activity.delete(room)
    })
  }

  private onEmpty(room: Room) {
    const state = this.activity.get(room)
    if (!state?.timer) return
    clearTimeout(state.timer)
    state.timer = undefined
    this.auto(room, 'Automatic (everyone left)')
  }

  private auto(room: Room, name: string) {
    try {
      if (this.rooms.get(room.id) !== room) return
      this.snapshots.add(room.id, { name, kind: 'auto', state: Y.encodeStateAsUpdate(room.doc) })
      this.snapshots.pruneAutomatic(room.id, this.opts.autoSnapshotsKept)
      this.log.debug({ boardId: room.id, name }, 'automatic snapshot')
    } catch (err) {
      this.log.error({ boardId: room.id, err }, 'automatic snapshot failed')
    }
  }
}
