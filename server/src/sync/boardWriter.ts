import * as Y from 'yjs'
import { fitsWithin } from '@roundtable/shared'
import { FencedError, type BoardStorage, type RowRef, type StoredBoard } from '../storage/boards.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'

/**
 * Whether the board's storage takes writes: `refusing` after a failed write, until a retry
 * (with backoff) finds it working; `failed` when not even what is stored could be read back,
 * and the room is being dropped.
 */
export type WriterHealth = 'ok' | 'refusing' | 'failed'

/** An update applied to the doc in memory, not yet stored nor sent to anyone. */
export interface PendingUpdate {
  update: Uint8Array
  origin: unknown
}

/** A busy board stores and broadcasts at most one batch per this many milliseconds. */
export const MIN_FLUSH_INTERVAL_MS = 4
/** After a storage failure, the first retry; each failed retry doubles the wait, up to the max. */
export const STORAGE_RETRY_MIN_MS = 500
const STORAGE_RETRY_MAX_MS = 30_000
/** A log this small is never worth compacting for its size alone. */
const MIN_LOG_BYTES_TO_COMPACT = 1024 * 1024

export interface WriterDeps {
  log: Logger
  metrics: Metrics
  maxBoardBytes: number
  compactAfterUpdates: number
  /** The board's whole state as one update (for compaction and measuring its size). */
  encodeState: () => Uint8Array
  /** The state vector of what encodeState returns (stored with it). */
  encodeStateVector: () => Uint8Array
  /** A batch is stored: send it. */
  onStored: (batch: PendingUpdate[]) => void
  /** Storage refused `dropped`: the board must go back to `stored`, and their writers be told. */
  onRefused: (stored: StoredBoard, dropped: PendingUpdate[]) => void
  /** Storage takes writes again after refusing. */
  onAccepting: () => void
  /** Not even what is stored could be read back. */
  onFailed: () => void
  /** Another process took the board over: nothing more can be written here. */
  onMoved: () => void
}

interface Waiter {
  ok: () => void
  failed: () => void
  sawFailure: boolean
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => value instanceof Promise

/**
 * The durability rule in one place: updates applied in memory wait here, are appended to
 * storage in one batch, and only once stored are handed to `onStored` to be sent. Nothing is
 * sent before it is stored, so anything a peer has seen survives a kill -9. The store may
 * answer synchronously (SQLite: the batch is sent in the same tick) or with a Promise (the batch
 * is sent when it resolves, and the next batch waits for it: one write in flight per board).
 * Also keeps the board's size bookkeeping and compaction.
 */
export class BoardWriter {
  health: WriterHealth = 'ok'
  private pending: PendingUpdate[] = []
  /** Set while an asynchronous write (an append or a compaction) is in flight. */
  private inFlight: PendingUpdate[] | undefined
  private waiters: Waiter[] = []
  private lastFlush = -Infinity
  private flushTimer: NodeJS.Timeout | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private retryMs = STORAGE_RETRY_MIN_MS
  /** Set for the rest of the tick in which a write failed (see afterStored). */
  private failedThisTick = false
  private destroyed = false
  private appendedSinceCompact = 0
  /** Bytes of the stored update log (appended since the last compaction) and of the stored state. */
  private logBytes = 0
  private stateBytes = 0
  /** Upper bound of the board's encoded size: stored state plus every update applied since. */
  private estimatedBytes = 0
  /** Set when rows that could not be applied could not be moved aside either (see moveAside). */
  private keepLog = false
  /** Rows being moved aside by a store that answers later: compaction would delete them meanwhile. */
  private movesAside = 0
  /** Told once no asynchronous write is in flight (see drained). */
  private drainWaiters: (() => void)[] = []

  constructor(
    readonly boardId: string,
    private storage: BoardStorage,
    stored: StoredBoard,
    private deps: WriterDeps,
  ) {
    if (stored.corrupt.length > 0) {
      deps.metrics.corruptRows.inc(stored.corrupt.length)
      deps.log.error(
        { boardId, corrupt: stored.corrupt },
        'stored rows failed their checksum; loaded what verifies and moved the bad rows to corrupt_rows for inspection',
      )
    }
    this.countStored(stored)
  }

  private countStored(stored: StoredBoard) {
    this.stateBytes = stored.state?.length ?? 0
    this.logBytes = stored.updates.reduce((sum, u) => sum + u.length, 0)
    this.estimatedBytes = this.stateBytes + this.logBytes
    this.appendedSinceCompact = stored.updates.length + (stored.corrupt.length > 0 ? 1 : 0)
  }

  /** Whether nothing applied in memory is waiting to be stored. */
  get idle(): boolean {
    return this.pending.length === 0 && !this.inFlight
  }

  /**
   * An update applied to the doc. Counted against MAX_BOARD_BYTES at once, whoever wrote it (a
   * burst within one flush window and the server's own writes too), stored at the next flush.
   */
  add(update: Uint8Array, origin: unknown) {
    this.estimatedBytes += update.length
    if (this.health === 'failed' || this.destroyed) return
    if (this.idle) this.scheduleFlush()
    this.pending.push({ update, origin })
  }

  /**
   * Flushes at the end of this tick, or, when the board flushed less than MIN_FLUSH_INTERVAL_MS
   * ago, once that much time has passed: a board edited in bursts then stores and sends one
   * batch per few milliseconds instead of one per update, and a quiet board adds no delay.
   */
  private scheduleFlush() {
    const wait = this.lastFlush + MIN_FLUSH_INTERVAL_MS - performance.now()
    if (wait <= 0) setImmediate(this.flush)
    else this.flushTimer = setTimeout(this.flush, wait)
  }

  /**
   * Stores what is pending in one append. Returns true when nothing is left unstored (false
   * while an asynchronous write is in flight, or when storage refused the batch).
   */
  flush = (): boolean => {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.inFlight) return false
    if (this.pending.length === 0 || this.health === 'failed' || this.destroyed) {
      this.settleWaiters()
      return this.pending.length === 0
    }
    this.lastFlush = performance.now()
    const batch = this.pending
    this.pending = []
    const merged = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((p) => p.update))
    const stopTimer = this.deps.metrics.persistSeconds.startTimer()
    let appended: void | Promise<void>
    try {
      appended = this.storage.appendUpdate(this.boardId, merged)
    } catch (err) {
      this.refuse(err, batch)
      return false
    }
    if (!isPromise(appended)) {
      this.stored(batch, merged.length, stopTimer)
      return true
    }
    this.inFlight = batch
    appended.then(
      () => {
        this.inFlight = undefined
        this.stored(batch, merged.length, stopTimer)
        if (this.pending.length > 0) this.flush()
        this.landed()
      },
      (err: unknown) => {
        this.inFlight = undefined
        this.refuse(err, batch)
        this.landed()
      },
    )
    return false
  }

  /** Resolves once no asynchronous write is in flight (at once with a synchronous store). */
  drained(): Promise<void> {
    if (!this.inFlight) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  private landed() {
    if (this.inFlight) return
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const resolve of waiters) resolve()
  }

  private stored(batch: PendingUpdate[], bytes: number, stopTimer: () => void) {
    stopTimer()
    this.retryMs = STORAGE_RETRY_MIN_MS
    // A write of the server's own got through while refusing: storage works again.
    if (this.health === 'refusing') this.acceptWrites()
    this.appendedSinceCompact++
    this.logBytes += bytes
    if (this.destroyed) return
    this.deps.onStored(batch)
    this.compactIfDue()
    this.settleWaiters()
  }

  /**
   * Runs `ok` once everything applied so far is stored (at once when it already is), or `failed`
   * when storage refused some of it: a reply must never acknowledge what was not stored.
   */
  afterStored(ok: () => void, failed: () => void) {
    if (this.failedThisTick) return failed()
    this.waiters.push({ ok, failed, sawFailure: false })
    this.flush()
  }

  private settleWaiters() {
    if (!this.idle || this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) (w.sawFailure ? w.failed : w.ok)()
  }

  /**
   * Storage refused a batch: the doc in memory holds what is not stored and what nobody else was
   * sent, so the board goes back to what storage holds and the batch's writers are told (they
   * keep their edits and resend them). Writes are refused until a retry finds storage working.
   */
  private refuse(err: unknown, batch: PendingUpdate[]) {
    if (err instanceof FencedError) return this.moved()
    this.deps.metrics.errors.inc({ kind: 'storage' })
    this.deps.log.error(
      { boardId: this.boardId, err },
      'storage failed; refusing writes on this board until it works again, nothing unstored is sent',
    )
    const dropped = [...batch, ...this.pending]
    this.pending = []
    this.failedThisTick = true
    setImmediate(() => (this.failedThisTick = false))
    for (const w of this.waiters) w.sawFailure = true
    if (this.health === 'ok') {
      this.health = 'refusing'
      this.retryLater()
    }
    const reloaded = (stored: StoredBoard) => {
      if (this.destroyed || this.health === 'failed') return
      this.countStored(stored)
      this.deps.onRefused(stored, dropped)
      this.settleWaiters()
    }
    let stored: StoredBoard | Promise<StoredBoard>
    try {
      stored = this.storage.load(this.boardId)
    } catch (loadErr) {
      return this.fail(loadErr)
    }
    if (!isPromise(stored)) return reloaded(stored)
    // Nothing is written meanwhile (health is 'refusing'); waiters settle once the board is back.
    this.inFlight = []
    stored
      .then(reloaded, (loadErr: unknown) => this.fail(loadErr))
      .finally(() => {
        this.inFlight = undefined
        this.settleWaiters()
        this.landed()
      })
  }

  private retryLater() {
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(this.retry, this.retryMs)
    this.retryTimer.unref()
    this.retryMs = Math.min(this.retryMs * 2, STORAGE_RETRY_MAX_MS)
  }

  private retry = () => {
    this.retryTimer = undefined
    if (this.health !== 'refusing' || this.destroyed) return
    Promise.resolve()
      .then(() => this.storage.probeWrite())
      .then(
        () => {
          if (this.health === 'refusing' && !this.destroyed) this.acceptWrites()
        },
        (err: unknown) => {
          const code = (err as { code?: string }).code
          this.deps.log.warn({ boardId: this.boardId, code, retryInMs: this.retryMs }, 'storage still refuses writes')
          this.retryLater()
        },
      )
  }

  /**
   * The backoff is reset by an append that succeeds, not here: a tiny probe can get through
   * while real appends still fail (a disk nearly full), and editors would be refused every
   * half second again.
   */
  private acceptWrites() {
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.health = 'ok'
    this.deps.log.info({ boardId: this.boardId }, 'storage works again; accepting writes')
    this.deps.onAccepting()
  }

  /**
   * Another process owns the board now (this one stalled past its lease, or lost its database
   * session): nothing unstored is sent, nothing more is written, and the board is dropped here.
   */
  private moved() {
    if (this.health === 'failed') return
    this.deps.metrics.fencedWrites.inc()
    this.health = 'failed'
    this.pending = []
    clearTimeout(this.retryTimer)
    for (const w of this.waiters) w.sawFailure = true
    this.settleWaiters()
    this.deps.onMoved()
  }

  /** Not even what storage holds could be read back: the board is dropped with everyone on it. */
  private fail(err: unknown) {
    this.health = 'failed'
    this.pending = []
    clearTimeout(this.retryTimer)
    this.deps.log.error({ boardId: this.boardId, err }, 'could not reload the board after a storage failure; closing it')
    this.settleWaiters()
    this.deps.onFailed()
  }

  /**
   * Whether `bytes` more (an update's encoded size) keep the board within MAX_BOARD_BYTES.
   * Writers other than connections (the server's own) should ask before writing.
   */
  fits(bytes: number): boolean {
    if (fitsWithin(this.estimatedBytes, bytes, this.deps.maxBoardBytes)) return true
    // The estimate only grows (overwrites and deletions shrink the real size); measure first.
    this.estimatedBytes = this.deps.encodeState().length
    return fitsWithin(this.estimatedBytes, bytes, this.deps.maxBoardBytes)
  }

  /**
   * After COMPACT_AFTER_UPDATES appends, or once the stored log outweighs the board: a value
   * overwritten again and again keeps the state small but grows the log, which must stay
   * bounded on disk too (at most MAX_BOARD_BYTES, less for a small board).
   */
  private compactionDue(): boolean {
    const maxLogBytes = Math.min(this.deps.maxBoardBytes, Math.max(MIN_LOG_BYTES_TO_COMPACT, 2 * this.stateBytes))
    return this.appendedSinceCompact >= this.deps.compactAfterUpdates || this.logBytes > maxLogBytes
  }

  compactIfDue() {
    if (this.compactionDue()) this.compact()
  }

  /** Folds the update log into one stored state so a cold load does not replay history. */
  compact() {
    if (!this.flush() || this.appendedSinceCompact === 0) return
    this.compactTo(this.deps.encodeState(), this.deps.encodeStateVector())
  }

  /** Replaces the stored log with `state`, which must hold everything stored so far, and its state vector. */
  compactTo(state: Uint8Array, stateVector: Uint8Array) {
    if (this.health !== 'ok' || this.destroyed || this.keepLog || this.movesAside > 0 || this.appendedSinceCompact === 0 || !this.idle)
      return
    const compacted = () => {
      this.appendedSinceCompact = 0
      this.logBytes = 0
      this.stateBytes = state.length
      this.estimatedBytes = state.length
      this.deps.metrics.compactions.inc()
    }
    const failed = (err: unknown) => {
      if (err instanceof FencedError) return this.moved()
      this.deps.metrics.errors.inc({ kind: 'compaction' })
      this.deps.log.error({ boardId: this.boardId, err }, 'compaction failed; the update log is kept')
    }
    let result: void | Promise<void>
    try {
      result = this.storage.compact(this.boardId, state, stateVector)
    } catch (err) {
      return failed(err)
    }
    if (!isPromise(result)) return compacted()
    // Appends wait for it: a compaction must not fold away a row appended after `state`.
    this.inFlight = []
    result.then(compacted, failed).finally(() => {
      this.inFlight = undefined
      this.flush()
      this.landed()
    })
  }

  /** Keeps rows that cannot be applied for inspection, as loading does with checksum failures. */
  moveAside(rows: RowRef[]) {
    const moved = () => {
      this.deps.metrics.corruptRows.inc(rows.length)
      this.deps.log.error({ boardId: this.boardId, corrupt: rows }, 'moved rows that could not be applied to corrupt_rows for inspection')
    }
    const failed = (err: unknown) => {
      if (err instanceof FencedError) return this.moved()
      // Compacting would delete them with the log: keep the log as it is while loaded.
      this.keepLog = true
      this.deps.log.error({ boardId: this.boardId, err }, 'could not move undecodable rows aside; not compacting this board')
    }
    // Until it is done, compaction must wait too.
    this.movesAside++
    const done = () => this.movesAside--
    try {
      const result = this.storage.moveAside(this.boardId, rows, 'undecodable')
      if (!isPromise(result)) {
        done()
        return moved()
      }
      result.then(moved, failed).finally(done)
    } catch (err) {
      done()
      failed(err)
    }
  }

  /** Stores what is pending (synchronous stores only can finish now) and stops. */
  destroy() {
    this.flush()
    this.destroyed = true
    clearTimeout(this.flushTimer)
    clearTimeout(this.retryTimer)
  }
}
