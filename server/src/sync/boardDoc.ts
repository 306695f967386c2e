import zlib from 'node:zlib'
import * as Y from 'yjs'
import type { RowRef, StoredBoard } from '../storage/boards.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'

/**
 * A board at rest: the stored rows (compacted state, then the update log) or the state encoded
 * when its doc went idle, applied in order to make the doc. Tens of times smaller in memory
 * than the decoded doc, and what a newcomer needs can be sent as is.
 */
interface AtRest {
  rows?: Uint8Array[]
  /** Where each of `rows` is stored, when they came from storage. */
  refs?: RowRef[]
  /** Or the state of a board that went idle, deflated (records are repetitive JSON: ~5-15x smaller). */
  deflated?: Uint8Array
  /** The rows' state vector, when known without decoding them. */
  stateVector?: Uint8Array
}

export type UpdateListener = (update: Uint8Array, origin: unknown) => void

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc())

function rowsOf(atRest: AtRest): Uint8Array[] {
  return atRest.rows ?? (atRest.deflated ? [zlib.inflateRawSync(atRest.deflated)] : [])
}

/**
 * A board's Y.Doc, live or at rest. It is decoded only when needed: a board is loaded as its
 * stored bytes, a newcomer with nothing gets those bytes as they are, and a board nobody edits
 * for `idleMs` goes back to bytes (`hibernate`). Listeners see every update whichever doc
 * instance holds the board.
 */
export class BoardDoc {
  private live: Y.Doc | undefined
  private atRest: AtRest | undefined
  private listeners = new Set<UpdateListener>()
  private lastChange = 0
  private idleTimer: NodeJS.Timeout | undefined
  private destroyed = false

  constructor(
    readonly boardId: string,
    stored: StoredBoard,
    private deps: {
      log: Logger
      metrics: Metrics
      idleMs: number
      /** Called once the doc has been idle for `idleMs`; the owner decides whether to hibernate. */
      onIdle: () => void
      /** Keeps stored rows that verify but cannot be applied aside (see BoardWriter.moveAside). */
      moveAside: (rows: RowRef[]) => void
      onDecoded?: () => void
      /** The decoded doc was dropped; `encodedBytes` is what it weighed encoded (0 when unknown). */
      onDropped?: (encodedBytes: number) => void
    },
  ) {
    this.reset(stored)
  }

  /** Takes the board as storage holds it, dropping a live doc (which may hold unstored changes). */
  reset(stored: StoredBoard) {
    this.drop(0)
    const rows = stored.state ? [stored.state, ...stored.updates] : stored.updates
    const refs: RowRef[] = stored.updateSeqs.map((seq) => ({ table: 'board_updates', seq }))
    if (stored.state) refs.unshift({ table: 'board_state', seq: null })
    // Known without decoding for an empty board and for a compacted state stored with its state
    // vector (nothing appended since); any other log has to be decoded to know it.
    const stateVector = rows.length === 0 ? EMPTY_STATE_VECTOR : rows.length === 1 && stored.state ? stored.stateVector : undefined
    this.atRest = { rows, refs, stateVector }
  }

  get isLive(): boolean {
    return this.live !== undefined
  }

  /** The board's doc, decoded from its bytes if it was at rest. */
  get doc(): Y.Doc {
    return this.live ?? this.decode()
  }

  /** The state vector when known without decoding the board. */
  knownStateVector(): Uint8Array | undefined {
    return this.live ? Y.encodeStateVector(this.live) : this.atRest?.stateVector
  }

  /**
   * The whole board as one stored update, when it is at rest as a single row (a compacted or idle
   * board): a client with nothing can be sent it without decoding.
   */
  bytesAtRest(): Uint8Array | undefined {
    if (this.live || !this.atRest || (this.atRest.rows?.length ?? 1) > 1) return undefined
    return rowsOf(this.atRest)[0] ?? EMPTY_UPDATE
  }

  /** Calls `listener` with every update to the board. Returns a function that stops it. */
  onUpdate(listener: UpdateListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private decode(): Y.Doc {
    const doc = new Y.Doc()
    const rows = this.atRest ? rowsOf(this.atRest) : []
    const refs = this.atRest?.refs
    this.atRest = undefined
    const undecodable: RowRef[] = []
    Y.transact(doc, () => {
      rows.forEach((update, i) => {
        try {
          Y.applyUpdate(doc, update)
        } catch (err) {
          this.deps.metrics.errors.inc({ kind: 'undecodable_row' })
          this.deps.log.error(
            { boardId: this.boardId, err, row: refs?.[i] },
            'a stored row passed its checksum but could not be applied; skipped',
          )
          if (refs?.[i]) undecodable.push(refs[i])
        }
      })
    })
    if (undecodable.length > 0) this.deps.moveAside(undecodable)
    doc.on('update', this.onDocUpdate)
    this.live = doc
    this.touch()
    this.deps.onDecoded?.()
    return doc
  }

  private onDocUpdate = (update: Uint8Array, origin: unknown) => {
    this.touch()
    for (const listener of this.listeners) listener(update, origin)
  }

  /** Notes an edit; `onIdle` runs once nobody has edited for `idleMs`. */
  private touch() {
    this.lastChange = performance.now()
    if (this.idleTimer || this.deps.idleMs <= 0) return
    this.idleTimer = setTimeout(this.onIdleTimer, this.deps.idleMs)
    this.idleTimer.unref()
  }

  private onIdleTimer = () => {
    this.idleTimer = undefined
    if (!this.live || this.destroyed) return
    const idleFor = performance.now() - this.lastChange
    if (idleFor >= this.deps.idleMs) return this.deps.onIdle()
    this.idleTimer = setTimeout(this.onIdleTimer, Math.max(1, this.deps.idleMs - idleFor))
    this.idleTimer.unref()
  }

  /** Waits another idle period before `onIdle` (the owner could not hibernate yet). */
  idleLater() {
    if (this.live) this.touch()
  }

  /**
   * Keeps the board as its encoded state and drops the doc: an idle board then weighs its
   * encoded size, not the decoded records. Returns that state and its state vector (for
   * compaction). The next edit decodes it again (about a millisecond per hundred stickies).
   */
  hibernate(): { state: Uint8Array; stateVector: Uint8Array } | undefined {
    const doc = this.live
    if (!doc) return undefined
    const state = Y.encodeStateAsUpdate(doc)
    const stateVector = Y.encodeStateVector(doc)
    // Copied out: zlib's result is a view of a 16 KiB chunk that would be kept alive with it.
    this.atRest = { deflated: new Uint8Array(zlib.deflateRawSync(state)), stateVector }
    this.drop(state.length)
    return { state, stateVector }
  }

  private drop(encodedBytes: number) {
    const doc = this.live
    if (!doc) return
    this.live = undefined
    doc.off('update', this.onDocUpdate)
    doc.destroy()
    this.deps.onDropped?.(encodedBytes)
  }

  destroy() {
    this.destroyed = true
    clearTimeout(this.idleTimer)
    this.drop(0)
    this.atRest = undefined
    this.listeners.clear()
  }
}
