import zlib from 'node:zlib'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import type { WebSocket } from 'ws'
import {
  CloseCode,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_ROUNDTABLE,
  MESSAGE_SYNC,
  fitsWithin,
  readRoundtablePayload,
} from '@roundtable/shared'
import type { BoardStorage, RowRef } from './storage/storage.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { inspectUpdate, updateChangesDoc, type RootWrite } from './updateChanges.ts'
import { PresenceGuard, type PresenceLimits } from './presence.ts'

/** A frame the protocol cannot make sense of; closes only the connection that sent it. */
export class ProtocolError extends Error {}

/** A well-formed message that a limit or the connection's access refuses; closes only that connection. */
export class RefusedError extends Error {
  constructor(
    readonly code: number,
    readonly limit: string,
    message: string,
  ) {
    super(message)
  }
}

/** Transaction origin for updates that arrive from other processes through the fan-out. */
const FANOUT_ORIGIN = Symbol('fanout')

export interface RoomOptions {
  compactAfterUpdates: number
  /** A board nobody has edited for this long is kept as encoded bytes instead of a live doc (0: never). */
  docIdleMs: number
  maxBoardBytes: number
  presence: PresenceLimits
  metrics: Metrics
  /** Called when the last connection leaves, so the owner can schedule an unload. */
  onEmpty: (room: Room) => void
  /** Called when the room could not even reload what storage holds and dropped everyone; the owner forgets it. */
  onFailed: (room: Room) => void
  /** Called when the room decoded its doc. */
  onDecoded?: (room: Room) => void
  /** Called when the room let go of its decoded doc, with the doc's encoded size. */
  onHibernated?: (room: Room, encodedBytes: number) => void
  /** Handles Roundtable requests (votes, anonymous reveal); without it they are refused as unknown. */
  onRoundtable?: (room: Room, conn: WebSocket, request: { id: number; [key: string]: unknown }) => void
  /** Top-level types of the doc only the server writes; what an editor's update writes there goes to `checkUpdate`. */
  serverOwnedRoots?: ReadonlySet<string>
  /** Says why an editor's writes into `serverOwnedRoots` must be refused, or undefined. */
  checkUpdate?: (room: Room, writes: RootWrite[]) => string | undefined
  /** Called when a connection has left. */
  onLeave?: (room: Room, conn: WebSocket) => void
}

interface Conn {
  /** Awareness client ids this connection controls (kept by PresenceGuard). */
  controlled: Set<number>
  readOnly: boolean
  /** Closes the connection for a refusal found after its message was handled. */
  refuse?: (err: RefusedError) => void
  /** Set while our sync step 1 waits for the board to be decoded (see join). */
  step1Timer?: NodeJS.Timeout
  /** Our sync step 1 is held back until storage works again (see sendStep1). */
  awaitingStorage?: boolean
}

/**
 * A board at rest: the stored rows (compacted state, then the update log) or the state encoded
 * when its doc went idle, applied in order to make the doc. Tens of times smaller in memory
 * than the decoded doc, and what a newcomer needs can be sent as is.
 */
interface Encoded {
  rows?: Uint8Array[]
  /** Where each of `rows` is stored, when they came from storage. */
  refs?: RowRef[]
  /** Or the state of a board that went idle, deflated (records are repetitive JSON: ~5-15x smaller). */
  deflated?: Uint8Array
  /** The rows' state vector, when known without decoding them. */
  stateVector?: Uint8Array
}

function rowsOf(encoded: Encoded): Uint8Array[] {
  return encoded.rows ?? (encoded.deflated ? [zlib.inflateRawSync(encoded.deflated)] : [])
}

/** A busy board stores and broadcasts at most one batch per this many milliseconds. */
const MIN_FLUSH_INTERVAL_MS = 4

/** How long our sync step 1 to a newcomer may wait for theirs (stock clients send it at once). */
const STEP1_WAIT_MS = 100

/** After a storage failure, the first retry; each failed retry doubles the wait, up to the max. */
const STORAGE_RETRY_MIN_MS = 500
const STORAGE_RETRY_MAX_MS = 30_000

/** A log this small is never worth compacting for its size alone. */
const MIN_LOG_BYTES_TO_COMPACT = 1024 * 1024

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())
/** An awareness message with no states: changes nothing, costs 3 bytes. */
const EMPTY_AWARENESS_MESSAGE = new Uint8Array([MESSAGE_AWARENESS, 1, 0])
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc())

/**
 * One loaded board: its Y.Doc, awareness and connections. Updates received in one event-loop
 * tick (on a busy board, a few milliseconds) are merged, appended to storage in one
 * transaction, and only then broadcast: one message per sender, encoded once and the same
 * bytes sent to all.
 *
 * The doc is decoded only when needed: a board is loaded as its stored bytes, a newcomer with
 * nothing gets those bytes as they are, and a board nobody edits for `docIdleMs` goes back to
 * bytes (see `doc`, `hibernate`).
 */
export class Room {
  /** Presence lives beside the doc, on a doc of its own, so the board's doc can be dropped. */
  readonly awareness = new awarenessProtocol.Awareness(new Y.Doc())
  private presence: PresenceGuard
  private live: Y.Doc | undefined
  private encoded: Encoded | undefined
  private lastChange = 0
  private updateListeners = new Set<(update: Uint8Array, origin: unknown) => void>()
  private destroyListeners = new Set<() => void>()
  private lastFlush = -Infinity
  private pendingAwareness = { clients: new Set<number>(), senders: new Set<unknown>() }
  private lastAwarenessFlush = -Infinity
  private flushTimer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private conns = new Map<WebSocket, Conn>()
  /** Which connection writes as each Yjs client id (see applyFrom). */
  private writers = new Map<number, WebSocket>()
  private appendedSinceCompact = 0
  /** Bytes of the stored update log (appended since the last compaction) and of the stored state. */
  private logBytes = 0
  private stateBytes = 0
  /** Upper bound of the board's encoded size: stored state plus every update applied since. */
  private estimatedBytes = 0
  /** Updates applied in memory this tick, not yet stored nor sent to anyone. */
  private pending: { update: Uint8Array; origin: unknown }[] = []
  /** Set when rows that could not be applied could not be moved aside either (see moveAside). */
  private keepLog = false
  private unsubscribeFanout: () => void
  /** Storage refused a write: connections' writes are refused until a retry succeeds. */
  private refusingWrites = false
  private storageRetryTimer: NodeJS.Timeout | undefined
  private storageRetryMs = STORAGE_RETRY_MIN_MS
  /** Set for the rest of the tick in which a write failed (see sendTo). */
  private writeJustFailed = false
  /** Storage could not even be read back after a failure; the room is being dropped. */
  private failed = false
  private destroyed = false

  constructor(
    readonly id: string,
    private storage: BoardStorage,
    private fanout: Fanout,
    private log: Logger,
    private opts: RoomOptions,
  ) {
    // The server holds no presence of its own.
    this.awareness.setLocalState(null)
    this.presence = new PresenceGuard(this.awareness, opts.presence, opts.metrics, log, id, (conn, r) => {
      const err = new RefusedError(r.code, r.limit, r.message)
      const refuse = this.conns.get(conn)?.refuse
      if (refuse) refuse(err)
      else conn.close(err.code, err.message)
    })
    this.load()
    if (this.compactionDue()) this.compact()

    this.awareness.on('update', this.onAwarenessUpdate)
    this.unsubscribeFanout = fanout.subscribe(id, this.onFanoutUpdate)
  }

  /** Takes the board as storage holds it, as bytes (decoded when needed). */
  private load() {
    const stored = this.storage.load(this.id)
    if (stored.corrupt.length > 0) {
      this.opts.metrics.corruptRows.inc(stored.corrupt.length)
      this.log.error(
        { boardId: this.id, corrupt: stored.corrupt },
        'stored rows failed their checksum; loaded what verifies and moved the bad rows to corrupt_rows for inspection',
      )
    }
    const rows = stored.state ? [stored.state, ...stored.updates] : stored.updates
    this.estimatedBytes = 0
    for (const row of rows) this.estimatedBytes += row.length
    this.stateBytes = stored.state?.length ?? 0
    this.logBytes = this.estimatedBytes - this.stateBytes
    // Stored rows' state vector is known only by decoding them (but for an empty board); a
    // newcomer is answered from the bytes first and the doc decoded after (see join).
    const refs: RowRef[] = stored.updateSeqs.map((seq) => ({ table: 'board_updates', seq }))
    if (stored.state) refs.unshift({ table: 'board_state', seq: null })
    this.encoded = { rows, refs, stateVector: rows.length === 0 ? EMPTY_STATE_VECTOR : undefined }
    this.appendedSinceCompact = stored.updates.length + (stored.corrupt.length > 0 ? 1 : 0)
  }

  get connectionCount(): number {
    return this.conns.size
  }

  /** The board's doc, decoded from its bytes if it was at rest. */
  get doc(): Y.Doc {
    return this.live ?? this.decode()
  }

  /**
   * Calls `listener` with every update to the board, whichever doc instance holds it (the doc
   * is dropped when idle and decoded again on the next edit). Returns a function that stops it.
   */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): () => void {
    this.updateListeners.add(listener)
    return () => this.updateListeners.delete(listener)
  }

  /** Calls `listener` once when the room is unloaded. */
  onDestroy(listener: () => void) {
    this.destroyListeners.add(listener)
  }

  private decode(): Y.Doc {
    const doc = new Y.Doc()
    const rows = this.encoded ? rowsOf(this.encoded) : []
    const refs = this.encoded?.refs
    this.encoded = undefined
    const undecodable: RowRef[] = []
    Y.transact(doc, () => {
      rows.forEach((update, i) => {
        try {
          Y.applyUpdate(doc, update)
        } catch (err) {
          this.opts.metrics.errors.inc({ kind: 'undecodable_row' })
          this.log.error({ boardId: this.id, err, row: refs?.[i] }, 'a stored row passed its checksum but could not be applied; skipped')
          if (refs?.[i]) undecodable.push(refs[i])
        }
      })
    })
    if (undecodable.length > 0) this.moveAside(undecodable)
    doc.on('update', this.onDocUpdate)
    this.live = doc
    this.touch()
    this.opts.onDecoded?.(this)
    return doc
  }

  /** Keeps rows that cannot be applied for inspection, as load does with checksum failures. */
  private moveAside(rows: RowRef[]) {
    try {
      this.storage.moveAside(this.id, rows, 'undecodable')
      this.opts.metrics.corruptRows.inc(rows.length)
      this.log.error({ boardId: this.id, corrupt: rows }, 'moved rows that could not be applied to corrupt_rows for inspection')
    } catch (err) {
      // Compacting would delete them with the log: keep the log as it is while loaded.
      this.keepLog = true
      this.log.error({ boardId: this.id, err }, 'could not move undecodable rows aside; not compacting this board')
    }
  }

  /** Notes an edit; the doc goes back to bytes once nobody has edited for `docIdleMs`. */
  private touch() {
    this.lastChange = performance.now()
    if (this.idleTimer || this.opts.docIdleMs <= 0) return
    this.idleTimer = setTimeout(this.onIdleTimer, this.opts.docIdleMs)
    this.idleTimer.unref()
  }

  private onIdleTimer = () => {
    this.idleTimer = undefined
    if (!this.live || this.destroyed) return
    const idleFor = performance.now() - this.lastChange
    if (idleFor >= this.opts.docIdleMs && this.pending.length === 0) return this.hibernate()
    this.idleTimer = setTimeout(this.onIdleTimer, Math.max(1, this.opts.docIdleMs - idleFor))
    this.idleTimer.unref()
  }

  /**
   * Keeps the idle board as its encoded state (compacted into storage too) and drops the doc:
   * an idle board then weighs its encoded size, not the decoded records. The next edit decodes
   * it again (about a millisecond per hundred stickies).
   */
  hibernate() {
    const doc = this.live
    if (!doc || this.failed || this.destroyed) return
    if (!this.flush()) return
    const state = Y.encodeStateAsUpdate(doc)
    this.compactTo(state)
    // Copied out: zlib's result is a view of a 16 KiB chunk that would be kept alive with it.
    this.encoded = { deflated: new Uint8Array(zlib.deflateRawSync(state)), stateVector: Y.encodeStateVector(doc) }
    this.live = undefined
    doc.off('update', this.onDocUpdate)
    doc.destroy()
    this.opts.onHibernated?.(this, state.length)
  }

  private onFanoutUpdate = (update: Uint8Array) => {
    Y.applyUpdate(this.doc, update, FANOUT_ORIGIN)
  }

  private onDocUpdate = (update: Uint8Array, origin: unknown) => {
    // Counted when applied, whoever wrote it: a burst within one flush window, the server's
    // own writes and other processes' updates all count against MAX_BOARD_BYTES at once.
    this.estimatedBytes += update.length
    for (const listener of this.updateListeners) listener(update, origin)
    if (this.failed) return
    if (origin === FANOUT_ORIGIN) {
      // Another process stored it already.
      this.broadcast(this.encodeUpdate(update), origin)
      return
    }
    if (this.pending.length === 0) this.scheduleFlush()
    this.pending.push({ update, origin })
    this.touch()
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
   * Store this tick's updates in one transaction, then send them to everyone but their senders.
   * Nothing is sent before it is stored, so anything a peer has seen survives a kill -9.
   * Returns false when storage refused them (they are gone from the board, see refuseWrites).
   */
  flush = (): boolean => {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.pending.length === 0 || this.failed || this.destroyed) return this.pending.length === 0
    this.lastFlush = performance.now()
    const batch = this.pending
    this.pending = []
    const merged = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((p) => p.update))
    const timer = this.opts.metrics.persistSeconds.startTimer()
    try {
      this.storage.appendUpdate(this.id, merged)
    } catch (err) {
      this.refuseWrites(err, batch)
      return false
    }
    timer()
    this.storageRetryMs = STORAGE_RETRY_MIN_MS
    // A write of the server's own got through while refusing: storage works again.
    if (this.refusingWrites) this.acceptWrites()
    this.appendedSinceCompact++
    this.logBytes += merged.length
    this.broadcastBatch(batch)
    this.fanout.publish(this.id, merged, this.onFanoutUpdate)
    if (this.compactionDue()) this.compact()
    return true
  }

  /**
   * After COMPACT_AFTER_UPDATES appends, or once the stored log outweighs the board: a value
   * overwritten again and again keeps the state small but grows the log, which must stay
   * bounded on disk too (at most MAX_BOARD_BYTES, less for a small board).
   */
  private compactionDue(): boolean {
    const maxLogBytes = Math.min(this.opts.maxBoardBytes, Math.max(MIN_LOG_BYTES_TO_COMPACT, 2 * this.stateBytes))
    return this.appendedSinceCompact >= this.opts.compactAfterUpdates || this.logBytes > maxLogBytes
  }

  private encodeUpdate(update: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeUpdate(encoder, update)
    return encoding.toUint8Array(encoder)
  }

  private onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    this.presence.onUpdate({ added, updated, removed }, origin)
    const p = this.pendingAwareness
    if (p.clients.size === 0) {
      const wait = this.lastAwarenessFlush + MIN_FLUSH_INTERVAL_MS - performance.now()
      if (wait <= 0) setImmediate(this.flushAwareness)
      else setTimeout(this.flushAwareness, wait)
    }
    for (const id of added) p.clients.add(id)
    for (const id of updated) p.clients.add(id)
    for (const id of removed) p.clients.add(id)
    p.senders.add(origin)
  }

  /**
   * Presence changes are batched like doc updates: each client's latest state, one message
   * for everyone (a sender among several gets its own state back, which it ignores), so 50
   * cursors moving cost a few broadcasts per frame rather than one per move.
   */
  private flushAwareness = () => {
    const { clients, senders } = this.pendingAwareness
    if (clients.size === 0 || this.destroyed) return
    this.pendingAwareness = { clients: new Set(), senders: new Set() }
    this.lastAwarenessFlush = performance.now()
    this.broadcast(this.encodeAwareness([...clients]), senders.size === 1 ? [...senders][0] : undefined)
  }

  /**
   * One message per sender for a whole batch: sending costs a system call per message, so
   * merging what one connection sent in a burst divides the cost of a busy board by the batch.
   * Different senders' updates stay separate messages: applied in one transaction, concurrent
   * writes of one key can leave YKeyValue with a duplicate it does not clean up.
   */
  private broadcastBatch(batch: { update: Uint8Array; origin: unknown }[]) {
    const bySender = new Map<unknown, Uint8Array[]>()
    for (const { update, origin } of batch) {
      const updates = bySender.get(origin)
      if (updates) updates.push(update)
      else bySender.set(origin, [update])
    }
    for (const [origin, updates] of bySender) {
      this.broadcast(this.encodeUpdate(updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)), origin)
    }
  }

  /** Send the same encoded bytes to every connection except the one they came from. */
  private broadcast(message: Uint8Array, except: unknown) {
    let sent = 0
    for (const conn of this.conns.keys()) if (conn !== except && this.sendRaw(conn, message)) sent++
    this.count(sent, message.length)
  }

  /** Each open connection with the awareness client ids it controls. */
  connections(): ReadonlyMap<WebSocket, ReadonlySet<number>> {
    return new Map([...this.conns].map(([ws, c]) => [ws, c.controlled]))
  }

  /** Whether this connection came in through a view-only link. */
  isReadOnly(conn: WebSocket): boolean {
    return this.conns.get(conn)?.readOnly ?? true
  }

  /**
   * A message for one connection only (replies to Roundtable requests, sent right after a
   * flush). If that flush just failed, the reply could acknowledge what was not stored: the
   * editor is closed with 4500 instead, and asks again once it is back.
   */
  sendTo(conn: WebSocket, message: Uint8Array) {
    if (this.writeJustFailed && !this.isReadOnly(conn)) return conn.close(CloseCode.storageFailed, 'storage failed, retrying')
    this.send(conn, message)
  }

  /** A message that changes nothing, so that a client that hears nothing else stays connected. */
  keepAlive(conn: WebSocket) {
    this.send(conn, EMPTY_AWARENESS_MESSAGE)
  }

  private send(conn: WebSocket, message: Uint8Array) {
    if (this.sendRaw(conn, message)) this.count(1, message.length)
  }

  private count(messages: number, bytesEach: number) {
    if (messages === 0) return
    this.opts.metrics.messagesOut.inc(messages)
    this.opts.metrics.bytesOut.inc(messages * bytesEach)
  }

  /** Sends unless the socket is closing; a failed write makes ws close the socket itself. */
  private sendRaw(conn: WebSocket, message: Uint8Array): boolean {
    if (conn.readyState !== conn.OPEN) return false
    conn.send(message)
    return true
  }

  join(conn: WebSocket, access: { readOnly: boolean; refuse?: (err: RefusedError) => void }) {
    const c: Conn = { controlled: new Set(), readOnly: access.readOnly, refuse: access.refuse }
    this.conns.set(conn, c)
    this.presence.join(conn, c.controlled)
    // Start the sync handshake: our state vector, and everyone's presence. When knowing our
    // state vector means decoding the board, answer the newcomer's step 1 from the bytes first.
    if (this.live || this.encoded?.stateVector) this.sendStep1(conn)
    else c.step1Timer = setTimeout(() => this.sendStep1(conn), STEP1_WAIT_MS)
    const states = this.awareness.getStates()
    if (states.size > 0) this.send(conn, this.encodeAwareness([...states.keys()]))
  }

  private sendStep1(conn: WebSocket) {
    const c = this.conns.get(conn)
    if (!c || this.destroyed) return
    clearTimeout(c.step1Timer)
    c.step1Timer = undefined
    // Our state vector names only what is stored.
    this.flush()
    // An editor answers our step 1 with its unsent edits; while storage refuses them, asking
    // would only get it closed again and again. It is asked once storage works (acceptWrites).
    if (this.refusingWrites && !c.readOnly) {
      c.awaitingStorage = true
      return
    }
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1)
    encoding.writeVarUint8Array(
      encoder,
      this.live ? Y.encodeStateVector(this.live) : (this.encoded?.stateVector ?? Y.encodeStateVector(this.doc)),
    )
    this.send(conn, encoding.toUint8Array(encoder))
  }

  /**
   * Sync step 2: what the client lacks. A client with nothing gets a board at rest as its
   * stored bytes, without decoding them, when they are one row (a compacted or idle board);
   * step 2 must hold everything, as the client counts itself synced on receiving it.
   */
  private answerStep1(conn: WebSocket, stateVector: Uint8Array) {
    const rows = this.encoded && (this.encoded.rows?.length ?? 1) <= 1 ? rowsOf(this.encoded) : undefined
    if (!this.live && rows && Y.decodeStateVector(stateVector).size === 0) {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MESSAGE_SYNC)
      encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2)
      encoding.writeVarUint8Array(encoder, rows[0] ?? EMPTY_UPDATE)
      this.send(conn, encoding.toUint8Array(encoder))
    } else {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MESSAGE_SYNC)
      syncProtocol.writeSyncStep2(encoder, this.doc, stateVector)
      this.send(conn, encoding.toUint8Array(encoder))
    }
    // Our own step 1 waited for this (see join); decoding the board can happen now, while the
    // client applies what it was sent.
    if (this.conns.get(conn)?.step1Timer) setImmediate(() => this.sendStep1(conn))
  }

  private encodeAwareness(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
    return encoding.toUint8Array(encoder)
  }

  /**
   * Handle one binary frame. Throws ProtocolError (or a decoding error) on malformed input and
   * RefusedError when access or a limit refuses it; nothing is applied in either case.
   */
  handleMessage(conn: WebSocket, data: Uint8Array) {
    const decoder = decoding.createDecoder(data)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MESSAGE_SYNC: {
        const syncType = decoding.readVarUint(decoder)
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          const stateVector = decoding.readVarUint8Array(decoder)
          this.checkEnd(decoder, data)
          // Answer only with what is stored.
          this.flush()
          this.answerStep1(conn, stateVector)
        } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          const update = decoding.readVarUint8Array(decoder)
          this.checkEnd(decoder, data)
          this.applyFrom(conn, update)
        } else {
          throw new ProtocolError(`unknown sync message type ${syncType}`)
        }
        break
      }
      case MESSAGE_AWARENESS: {
        const update = decoding.readVarUint8Array(decoder)
        this.checkEnd(decoder, data)
        const { update: admitted, refusal } = this.presence.admit(conn, update)
        if (refusal) throw new RefusedError(refusal.code, refusal.limit, refusal.message)
        if (admitted) awarenessProtocol.applyAwarenessUpdate(this.awareness, admitted, conn)
        break
      }
      case MESSAGE_QUERY_AWARENESS:
        this.checkEnd(decoder, data)
        // Everyone's presence can be large: in full at most once a second per connection.
        this.send(
          conn,
          this.presence.mayQuery(conn) ? this.encodeAwareness([...this.awareness.getStates().keys()]) : EMPTY_AWARENESS_MESSAGE,
        )
        break
      case MESSAGE_ROUNDTABLE: {
        if (!this.opts.onRoundtable) throw new ProtocolError(`unknown message type ${type}`)
        const request = readRoundtablePayload(decoder)
        this.checkEnd(decoder, data)
        this.opts.onRoundtable(this, conn, request)
        break
      }
      case MESSAGE_AUTH:
        // Stock clients never send auth; access is decided at upgrade time.
        break
      default:
        throw new ProtocolError(`unknown message type ${type}`)
    }
  }

  private checkEnd(decoder: decoding.Decoder, data: Uint8Array) {
    if (decoder.pos !== data.length) throw new ProtocolError('trailing bytes after message')
  }

  private applyFrom(conn: WebSocket, update: Uint8Array) {
    // An empty diff (a client's usual sync step 2) changes nothing; no need to decode the board.
    if (isEmptyUpdate(update)) return
    if (this.conns.get(conn)?.readOnly) {
      // A view-only client's sync step 2 is usually an empty diff; anything that would change
      // the board is refused.
      if (updateChangesDoc(this.doc, update))
        throw new RefusedError(CloseCode.viewOnly, 'view_only', 'view-only link: edits are not accepted')
      return
    }
    if (this.refusingWrites || this.failed) throw new RefusedError(CloseCode.storageFailed, 'storage', 'storage failed, retrying')
    const inspected = inspectUpdate(this.doc, update, this.opts.serverOwnedRoots)
    if (inspected.gap) throw new ProtocolError('update depends on changes the server does not have')
    // Only the connection that writes as a Yjs client may extend that client's clock while it is
    // connected: a forged struct at another client's next clock would make its real edit look
    // known and be dropped. The code is transient: a client relaying someone else's edits (two
    // tabs sharing storage) reconnects and finds them already on the server.
    for (const client of inspected.extends) {
      const writer = this.writers.get(client)
      if (writer && writer !== conn && this.conns.has(writer)) {
        throw new RefusedError(CloseCode.clientIdInUse, 'client_id', 'update writes as another connected client')
      }
    }
    const refusal = inspected.writes.length ? this.opts.checkUpdate?.(this, inspected.writes) : undefined
    if (refusal) throw new RefusedError(CloseCode.serverOwned, 'server_owned', refusal)
    if (!this.fits(update.length) && updateChangesDoc(this.doc, update)) {
      throw new RefusedError(CloseCode.boardTooLarge, 'board_bytes', `board is full (limit ${this.opts.maxBoardBytes} bytes)`)
    }
    Y.applyUpdate(this.doc, update, conn)
    for (const client of inspected.extends) this.writers.set(client, conn)
  }

  /**
   * Whether `bytes` more (an update's encoded size) keep the board within MAX_BOARD_BYTES.
   * Writers other than connections (the server's own) should ask before writing.
   */
  fits(bytes: number): boolean {
    if (fitsWithin(this.estimatedBytes, bytes, this.opts.maxBoardBytes)) return true
    // The estimate only grows (overwrites and deletions shrink the real size); measure first.
    this.estimatedBytes = Y.encodeStateAsUpdate(this.doc).length
    return fitsWithin(this.estimatedBytes, bytes, this.opts.maxBoardBytes)
  }

  leave(conn: WebSocket) {
    const c = this.conns.get(conn)
    if (!c) return
    this.conns.delete(conn)
    clearTimeout(c.step1Timer)
    for (const [client, writer] of this.writers) if (writer === conn) this.writers.delete(client)
    if (c.controlled.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...c.controlled], null)
    this.presence.leave(conn)
    this.opts.onLeave?.(this, conn)
    if (this.conns.size === 0) this.opts.onEmpty(this)
  }

  /** Fold the update log into one stored state so a cold load does not replay history. */
  compact() {
    if (!this.flush() || this.failed || this.refusingWrites || this.destroyed || this.appendedSinceCompact === 0) return
    this.compactTo(Y.encodeStateAsUpdate(this.doc))
  }

  private compactTo(state: Uint8Array) {
    if (this.failed || this.refusingWrites || this.destroyed || this.keepLog || this.appendedSinceCompact === 0) return
    try {
      this.storage.compact(this.id, state)
      this.appendedSinceCompact = 0
      this.logBytes = 0
      this.stateBytes = state.length
      this.estimatedBytes = state.length
      this.opts.metrics.compactions.inc()
    } catch (err) {
      this.opts.metrics.errors.inc({ kind: 'compaction' })
      this.log.error({ boardId: this.id, err }, 'compaction failed; the update log is kept')
    }
  }

  /**
   * Storage refused a batch: the doc in memory holds what is not on disk and what nobody else
   * was sent, so the board goes back to what storage holds and the connections that wrote the
   * batch are closed with 4500 (they keep their edits and resend them). Readers stay. Writes
   * are refused until a retry (with backoff) finds storage working again.
   */
  private refuseWrites(err: unknown, batch: { origin: unknown }[]) {
    this.opts.metrics.errors.inc({ kind: 'storage' })
    this.log.error(
      { boardId: this.id, err },
      'storage failed; refusing writes on this board until it works again, nothing unstored is sent',
    )
    this.pending = []
    const live = this.live
    if (live) {
      this.live = undefined
      live.off('update', this.onDocUpdate)
      live.destroy()
      this.opts.onHibernated?.(this, 0)
    }
    try {
      this.load()
    } catch (loadErr) {
      return this.fail(loadErr)
    }
    for (const { origin } of batch)
      if (this.conns.has(origin as WebSocket)) (origin as WebSocket).close(CloseCode.storageFailed, 'storage failed, retrying')
    this.writeJustFailed = true
    setImmediate(() => (this.writeJustFailed = false))
    if (!this.refusingWrites) {
      this.refusingWrites = true
      this.retryStorageLater()
    }
  }

  private retryStorageLater() {
    clearTimeout(this.storageRetryTimer)
    this.storageRetryTimer = setTimeout(this.retryStorage, this.storageRetryMs)
    this.storageRetryTimer.unref()
    this.storageRetryMs = Math.min(this.storageRetryMs * 2, STORAGE_RETRY_MAX_MS)
  }

  private retryStorage = () => {
    this.storageRetryTimer = undefined
    if (!this.refusingWrites || this.destroyed) return
    try {
      this.storage.probeWrite()
    } catch (err) {
      this.log.warn(
        { boardId: this.id, code: (err as { code?: string }).code, retryInMs: this.storageRetryMs },
        'storage still refuses writes',
      )
      return this.retryStorageLater()
    }
    this.acceptWrites()
  }

  private acceptWrites() {
    clearTimeout(this.storageRetryTimer)
    this.storageRetryTimer = undefined
    this.refusingWrites = false
    this.log.info({ boardId: this.id }, 'storage works again; accepting writes')
    for (const [conn, c] of this.conns) {
      if (!c.awaitingStorage) continue
      c.awaitingStorage = false
      this.sendStep1(conn)
    }
  }

  /** Not even what storage holds could be read back: drop the board and everyone on it. */
  private fail(err: unknown) {
    this.failed = true
    this.pending = []
    this.log.error({ boardId: this.id, err }, 'could not reload the board after a storage failure; closing it')
    this.closeAll(CloseCode.storageFailed, 'storage failed, retrying')
    this.opts.onFailed(this)
  }

  closeAll(code: number, reason: string) {
    for (const conn of this.conns.keys()) conn.close(code, reason)
  }

  destroy() {
    this.flush()
    this.destroyed = true
    clearTimeout(this.idleTimer)
    clearTimeout(this.storageRetryTimer)
    for (const c of this.conns.values()) clearTimeout(c.step1Timer)
    this.unsubscribeFanout()
    this.live?.off('update', this.onDocUpdate)
    this.live?.destroy()
    if (this.live) this.opts.onHibernated?.(this, 0)
    this.live = undefined
    this.encoded = undefined
    this.awareness.destroy()
    this.awareness.doc.destroy()
    for (const listener of this.destroyListeners) listener()
    this.destroyListeners.clear()
    this.updateListeners.clear()
  }
}

/** A Yjs update with no structs and no deletions: [0 clients with structs, 0 clients with deletes]. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0
}
