import * as Y from 'yjs'
import {
  AGENDA_KEY,
  PARTICIPANTS_KEY,
  SESSION_LOG_KEY,
  VOTES_KEY,
  boardMeta,
  boardRecords,
  boardToFile,
  closedVotesOnly,
  docFromUpdate,
  forkEntryFor,
  newBoardId,
  readLog,
  replaceBoardContent,
  type JsonRecord,
  type WriteBoardOptions,
} from '@roundtable/shared'
import type { BoardStorage } from '../storage/boards.ts'
import type { SnapshotInfo, SnapshotKind, SnapshotStorage } from '../storage/snapshots.ts'
import type { Rooms } from '../sync/rooms.ts'
import { RESTORE_ORIGIN } from '../snapshots/autoSnapshots.ts'
import type { Logger } from '../logger.ts'
import { ConflictError, NotFoundError, UnavailableError } from '../errors.ts'

/** Whether writing `content` over a board in `state` would change anything (tried on a copy). */
function wouldChange(state: Uint8Array, content: Parameters<typeof replaceBoardContent>[1], opts: WriteBoardOptions): boolean {
  const probe = docFromUpdate(state)
  try {
    let changed = false
    probe.on('update', () => (changed = true))
    replaceBoardContent(probe, content, opts)
    return changed
  } finally {
    probe.destroy()
  }
}

const FORK_SUFFIX = ' (fork)'

/** "X (fork)", also for a fork of a fork (not "X (fork) (fork)"). */
function forkTitle(title: unknown): string {
  const base = typeof title === 'string' && title.trim() ? title.trim() : 'Untitled board'
  return base.endsWith(FORK_SUFFIX) ? base : `${base}${FORK_SUFFIX}`
}

/**
 * Snapshots of boards taken by people (automatic ones: AutoSnapshots); restored as a new change on top of the board, or
 * forked into a new board.
 */
export class BoardSnapshots {
  constructor(
    private storage: BoardStorage,
    private snapshots: SnapshotStorage,
    private rooms: Rooms,
    private log: Logger,
    private opts: { maxNamedSnapshots: number },
  ) {}

  /** The board a view-only token stands for, if any. */
  async boardForViewToken(token: string): Promise<string | undefined> {
    try {
      return await this.storage.boardForViewToken(token)
    } catch (err) {
      throw new UnavailableError('storage is unavailable; try again', { cause: err })
    }
  }

  /** A board exists once something was stored for it (or it is loaded right now). */
  private async exists(boardId: string): Promise<boolean> {
    if (this.rooms.has(boardId)) return true
    const stored = await this.storage.load(boardId)
    return !!stored.state || stored.updates.length > 0
  }

  /** The board's current state as one update, without loading it into a room. */
  private async currentState(boardId: string): Promise<Uint8Array> {
    const room = this.rooms.get(boardId)
    if (room) return Y.encodeStateAsUpdate(room.doc)
    const stored = await this.storage.load(boardId)
    const parts = [...(stored.state ? [stored.state] : []), ...stored.updates]
    return parts.length === 1 ? parts[0] : Y.mergeUpdates(parts)
  }

  private async requireBoard(boardId: string) {
    if (!(await this.exists(boardId))) throw new NotFoundError('no board with this id')
  }

  /** The board as it is now (as one update), for an export. */
  async state(boardId: string): Promise<Uint8Array> {
    await this.requireBoard(boardId)
    return this.currentState(boardId)
  }

  async take(boardId: string, input: { name: string; kind: SnapshotKind; createdBy?: string }, state?: Uint8Array): Promise<SnapshotInfo> {
    await this.requireBoard(boardId)
    // Automatic ones are pruned instead; the others are kept for good, so they are capped.
    if (input.kind !== 'auto' && (await this.snapshots.countKept(boardId)) >= this.opts.maxNamedSnapshots) {
      throw new ConflictError(
        `this board already keeps ${this.opts.maxNamedSnapshots} snapshots (named ones and those saved before restores), the most this server allows; fork the board to go on with a fresh history`,
      )
    }
    const snapshot = await this.snapshots.add(boardId, { ...input, state: state ?? (await this.currentState(boardId)) })
    this.log.info({ boardId, snapshotId: snapshot.id, kind: input.kind }, 'snapshot taken')
    return snapshot
  }

  /** A page of the board's snapshots, newest first, and the id to ask for the next page with. */
  async list(boardId: string, page: { limit: number; before?: string }): Promise<{ snapshots: SnapshotInfo[]; next?: string }> {
    await this.requireBoard(boardId)
    const snapshots = await this.snapshots.list(boardId, { ...page, limit: page.limit + 1 })
    if (!snapshots) throw new NotFoundError(`no snapshot ${page.before} on this board`)
    if (snapshots.length <= page.limit) return { snapshots }
    snapshots.length = page.limit
    return { snapshots, next: snapshots[page.limit - 1].id }
  }

  async get(boardId: string, snapshotId: string) {
    await this.requireBoard(boardId)
    const snapshot = await this.snapshots.get(boardId, snapshotId)
    if (!snapshot) throw new NotFoundError(`no snapshot ${snapshotId} on this board`)
    return snapshot
  }

  /**
   * Makes the board look like the snapshot again, as one new change on top (connected people see
   * it live, and undoing it is another restore). The state before is snapshotted first (kind
   * `before-restore`, never pruned), unless the restore would change nothing. Restores
   * the canvas, title and agenda; the session log and the people who took part stay: they are
   * history, not content.
   */
  async restore(
    boardId: string,
    snapshotId: string,
    by?: string,
  ): Promise<{ restored: SnapshotInfo; before?: SnapshotInfo; changed: number }> {
    const snapshot = await this.get(boardId, snapshotId)
    const { state: _state, ...restored } = snapshot
    const target = docFromUpdate(snapshot.state)
    try {
      return await this.rooms.use(boardId, async (room) => {
        const theirs = boardMeta(target).get('schema')
        const ours = boardMeta(room.doc).get('schema')
        if (theirs && ours && JSON.stringify(theirs) !== JSON.stringify(ours) && boardRecords(target).map.size > 0) {
          // Clients apply remote records without migrating them; a fork migrates on open.
          throw new ConflictError('this snapshot was saved by another version of the canvas; fork it into a new board instead')
        }
        const records = [...boardRecords(target).map.values()].map((e) => e.val as JsonRecord)
        const title = boardMeta(target).get('title')
        const content = { records, maps: { [AGENDA_KEY]: target.getMap(AGENDA_KEY).toJSON() } }
        const opts = { maps: [AGENDA_KEY], title: typeof title === 'string' ? title : undefined }
        const current = Y.encodeStateAsUpdate(room.doc)
        if (!wouldChange(current, content, opts)) return { restored, changed: 0 }
        const before = await this.take(
          boardId,
          { name: `Before restoring “${snapshot.name}”`, kind: 'before-restore', createdBy: by },
          current,
        )
        const { put, removed } = replaceBoardContent(room.doc, content, opts, RESTORE_ORIGIN)
        // Stored before anyone is told it happened; a refused write was rolled back.
        if (!(await room.stored())) throw new UnavailableError('storage is failing; the board was not changed')
        this.log.info({ boardId, snapshotId, put, removed }, 'snapshot restored')
        return { restored, before, changed: put + removed }
      })
    } finally {
      target.destroy()
    }
  }

  /**
   * A new board holding the snapshot (or the board's current state). Returns its id. It keeps the
   * canvas, title, agenda, people, closed votes' results and the session log as history; open
   * votes (their ballots are keyed by the original board), the timer, the current phase and a
   * brainstorm round belong to the original session and stay behind, and nobody holds the baton.
   */
  async fork(boardId: string, snapshotId?: string): Promise<string> {
    await this.requireBoard(boardId)
    const source = docFromUpdate(snapshotId ? (await this.get(boardId, snapshotId)).state : await this.currentState(boardId))
    const doc = new Y.Doc()
    try {
      const { meta, records, maps, arrays } = boardToFile(source, Date.now())
      const log = arrays[SESSION_LOG_KEY] ?? []
      const freed = forkEntryFor(readLog(source))
      replaceBoardContent(
        doc,
        {
          records,
          maps: {
            [PARTICIPANTS_KEY]: maps[PARTICIPANTS_KEY],
            [AGENDA_KEY]: maps[AGENDA_KEY],
            [VOTES_KEY]: closedVotesOnly(maps[VOTES_KEY] ?? {}),
          },
          arrays: { [SESSION_LOG_KEY]: freed ? [...log, freed] : log },
        },
        { maps: [PARTICIPANTS_KEY, AGENDA_KEY, VOTES_KEY], arrays: [SESSION_LOG_KEY] },
      )
      doc.transact(() => {
        const forkMeta = boardMeta(doc)
        for (const [key, value] of Object.entries(meta)) forkMeta.set(key, value)
        forkMeta.set('title', forkTitle(meta.title))
        // Not the source board's id: that is its edit link, and a fork may be shared view-only.
        forkMeta.set('forkedFrom', { at: Date.now(), ...(snapshotId ? { snapshotId } : {}) })
      })
      const id = newBoardId()
      await this.storage.compact(id, Y.encodeStateAsUpdate(doc), Y.encodeStateVector(doc))
      this.log.info({ boardId, snapshotId, forkId: id }, 'board forked')
      return id
    } finally {
      source.destroy()
      doc.destroy()
    }
  }
}
