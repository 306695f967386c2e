import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as decoding from 'lib0/decoding'
import {
  CloseCode,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_REQUEST,
  MESSAGE_SYNC,
  readRequestPayload,
} from '@roundtable/shared'
import type { BoardStorage, StoredBoard } from '../storage/boards.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import type { Connection, ConnectionGroup } from './connection.ts'
import { ProtocolError, RefusedError } from './errors.ts'
import type { RequestHandler, RoomExtension } from './extension.ts'
import { BoardDoc, type UpdateListener } from './boardDoc.ts'
import { BoardWriter, type PendingUpdate } from './boardWriter.ts'
import { HeldUpdates } from './heldUpdates.ts'
import { RoomPresence } from './roomPresence.ts'
import type { PresenceLimits } from './presenceGuard.ts'
import { WriteGuard } from './writeGuard.ts'
import { updateChangesDoc } from './updateInspection.ts'
import { answerRequest } from './requests.ts'
import { binaryFrame } from './frame.ts'
import { EMPTY_AWARENESS_MESSAGE, isEmptyUpdate, syncStep1Message, syncStep2FromDoc, syncStep2Message, updateMessage } from './messages.ts'

export interface RoomOptions {
  log: Logger
  metrics: Metrics
  compactAfterUpdates: number
  /** A board nobody has edited for this long is kept as encoded bytes instead of a live doc (0: never). */
  docIdleMs: number
  maxBoardBytes: number
  maxRecordBytes: number
  presence: PresenceLimits
  extensions: readonly RoomExtension[]
  /** Every extension's request handlers, by op. */
  requests: ReadonlyMap<string, RequestHandler>
  /** The last connection left, so the owner can schedule an unload. */
  onEmpty: (room: Room) => void
  /** Storage could not even be read back and everyone was dropped; the owner forgets the room. */
  onFailed: (room: Room) => void
  /** Another process took the board over (its writes are fenced out here). */
  onMoved?: (room: Room) => void
  onDecoded?: () => void
  onDropped?: (encodedBytes: number) => void
}

interface ConnState {
  /** Awareness client ids this connection controls (kept by PresenceGuard). */
  controlled: Set<number>
  readOnly: boolean
  /** Closes the connection for a refusal found after its message was handled. */
  refuse: (err: RefusedError) => void
  /** Set while our sync step 1 waits for the board to be decoded (see join). */
  step1Timer?: NodeJS.Timeout
  /** Our sync step 1 is held back until storage works again (see sendStep1). */
  awaitingStorage?: boolean
}

/** How long our sync step 1 to a newcomer may wait for theirs (stock clients send it at once). */
const STEP1_WAIT_MS = 100
const STORAGE_FAILED = 'storage failed, retrying'

/**
 * One loaded board and the people on it: the y-websocket protocol (sync, awareness, requests)
 * and broadcasting, each message encoded once and the same bytes sent to all. It delegates the
 * doc's life live or at rest (BoardDoc), storing before sending (BoardWriter), what an editor
 * may write (WriteGuard, HeldUpdates) and presence (RoomPresence).
 *
 * Longer than most files here on purpose: like y-websocket's utils.js, the whole protocol for
 * one board reads top to bottom in one place, and what it delegates is a module of its own.
 */
export class Room {
  private conns = new Map<Connection, ConnState>()
  private board: BoardDoc
  private writer: BoardWriter
  private presence: RoomPresence
  private guard: WriteGuard
  private held = new HeldUpdates()
  private destroyed = false

  constructor(
    readonly id: string,
    stored: StoredBoard,
    storage: BoardStorage,
    private opts: RoomOptions,
  ) {
    const { log, metrics } = opts
    this.writer = new BoardWriter(id, storage, stored, {
      log,
      metrics,
      maxBoardBytes: opts.maxBoardBytes,
      compactAfterUpdates: opts.compactAfterUpdates,
      encodeState: () => Y.encodeStateAsUpdate(this.doc),
      encodeStateVector: () => Y.encodeStateVector(this.doc),
      onStored: (batch) => this.broadcastBatch(batch),
      onRefused: (storedNow, dropped) => {
        this.board.reset(storedNow)
        for (const { origin } of dropped)
          if (this.conns.has(origin as Connection)) (origin as Connection).close(CloseCode.storageFailed, STORAGE_FAILED)
      },
      onAccepting: () => {
        for (const [conn, c] of this.conns) {
          if (!c.awaitingStorage) continue
          c.awaitingStorage = false
          this.sendStep1(conn)
        }
      },
      onFailed: () => {
        this.closeAll(CloseCode.storageFailed, STORAGE_FAILED)
        opts.onFailed(this)
      },
      onMoved: () => opts.onMoved?.(this),
    })
    this.board = new BoardDoc(id, stored, {
      log,
      metrics,
      idleMs: opts.docIdleMs,
      onIdle: this.hibernate,
      moveAside: (rows) => this.writer.moveAside(rows),
      onDecoded: opts.onDecoded,
      onDropped: opts.onDropped,
    })
    this.board.onUpdate((update, origin) => this.writer.add(update, origin))
    this.presence = new RoomPresence(id, opts.presence, metrics, log, this.broadcast, this.refuse)
    this.guard = new WriteGuard({
      extensions: opts.extensions,
      room: this,
      presenceAuthor: (client) => this.presence.author(client),
      isConnected: (conn) => this.conns.has(conn),
      fits: (bytes) => this.writer.fits(bytes),
      maxBoardBytes: opts.maxBoardBytes,
      maxRecordBytes: opts.maxRecordBytes,
    })
    this.writer.compactIfDue()
  }

  get connectionCount(): number {
    return this.conns.size
  }

  /** The board's doc, decoded from its bytes if it was at rest. */
  get doc(): Y.Doc {
    return this.board.doc
  }

  get awareness() {
    return this.presence.awareness
  }

  /** Whether storage takes this board's writes. */
  get health() {
    return this.writer.health
  }

  /** Calls `listener` with every update to the board, whichever doc instance holds it. */
  onUpdate(listener: UpdateListener): () => void {
    return this.board.onUpdate(listener)
  }

  /** Each open connection with the awareness client ids it controls. */
  connections(): ReadonlyMap<Connection, ReadonlySet<number>> {
    return new Map([...this.conns].map(([conn, c]) => [conn, c.controlled]))
  }

  /** Whether this connection came in through a view-only link. */
  isReadOnly(conn: Connection): boolean {
    return this.conns.get(conn)?.readOnly ?? true
  }

  /** Whether `bytes` more keep the board within MAX_BOARD_BYTES; the server's own writes ask first. */
  fits(bytes: number): boolean {
    return this.writer.fits(bytes)
  }

  /** Stores what was applied so far (synchronous stores finish now). */
  flush(): boolean {
    return this.writer.flush()
  }

  /** Whether everything applied so far got stored (false: storage refused some of it). */
  stored(): Promise<boolean> {
    return new Promise((resolve) =>
      this.writer.afterStored(
        () => resolve(true),
        () => resolve(false),
      ),
    )
  }

  compact() {
    this.writer.compact()
  }

  /** Resolves once no write of this board is on its way to storage. */
  drained(): Promise<void> {
    return this.writer.drained()
  }

  // --- connections -------------------------------------------------------------------------

  join(conn: Connection, access: { readOnly: boolean; refuse: (err: RefusedError) => void }) {
    const c: ConnState = { controlled: new Set(), readOnly: access.readOnly, refuse: access.refuse }
    this.conns.set(conn, c)
    this.presence.join(conn, c.controlled)
    // Start the sync handshake: our state vector, and everyone's presence. When knowing our
    // state vector means decoding the board, answer the newcomer's step 1 from the bytes first.
    if (this.board.knownStateVector()) this.sendStep1(conn)
    else c.step1Timer = setTimeout(() => this.sendStep1(conn), STEP1_WAIT_MS)
    const everyone = this.presence.everyone()
    if (everyone) this.send(conn, everyone)
  }

  leave(conn: Connection) {
    const c = this.conns.get(conn)
    if (!c) return
    this.conns.delete(conn)
    clearTimeout(c.step1Timer)
    this.guard.leave(conn)
    this.held.drop(conn)
    this.presence.leave(conn, c.controlled)
    for (const ext of this.opts.extensions) ext.onLeave?.(this, conn)
    if (this.conns.size === 0) this.opts.onEmpty(this)
  }

  private refuse = (conn: Connection, err: RefusedError) => {
    const c = this.conns.get(conn)
    if (c) c.refuse(err)
    else conn.close(err.code, err.message)
  }

  closeAll(code: number, reason: string) {
    for (const conn of this.conns.keys()) conn.close(code, reason)
  }

  // --- the protocol ------------------------------------------------------------------------

  /**
   * Handles one binary frame. Throws ProtocolError (or a decoding error) on malformed input and
   * RefusedError when access or a limit refuses it; nothing is applied in either case.
   */
  handleMessage(conn: Connection, data: Uint8Array) {
    const decoder = decoding.createDecoder(data)
    const type = decoding.readVarUint(decoder)
    const read = <T>(value: T): T => {
      if (decoder.pos !== data.length) throw new ProtocolError('trailing bytes after message')
      return value
    }
    switch (type) {
      case MESSAGE_SYNC: {
        const syncType = decoding.readVarUint(decoder)
        if (syncType === syncProtocol.messageYjsSyncStep1) return this.answerStep1(conn, read(decoding.readVarUint8Array(decoder)))
        if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          return this.applyFrom(conn, read(decoding.readVarUint8Array(decoder)))
        }
        throw new ProtocolError(`unknown sync message type ${syncType}`)
      }
      case MESSAGE_AWARENESS:
        return this.presence.apply(conn, read(decoding.readVarUint8Array(decoder)))
      case MESSAGE_QUERY_AWARENESS:
        return this.send(conn, read(this.presence.answerQuery(conn)))
      case MESSAGE_REQUEST:
        return answerRequest(this, conn, read(readRequestPayload(decoder)), this.opts.requests, this.opts.log)
      case MESSAGE_AUTH:
        // Stock clients never send auth; access is decided at upgrade time.
        return
      default:
        throw new ProtocolError(`unknown message type ${type}`)
    }
  }

  private sendStep1(conn: Connection) {
    const c = this.conns.get(conn)
    if (!c || this.destroyed) return
    clearTimeout(c.step1Timer)
    c.step1Timer = undefined
    // Our state vector names only what is stored. An editor answers our step 1 with its unsent
    // edits; while storage refuses them, asking would only get it closed again and again. It is
    // asked once storage works (onAccepting).
    const send = () => {
      if (this.writer.health === 'refusing' && !c.readOnly) {
        c.awaitingStorage = true
        return
      }
      this.send(conn, syncStep1Message(this.board.knownStateVector() ?? Y.encodeStateVector(this.doc)))
    }
    this.writer.afterStored(send, send)
  }

  /**
   * Sync step 2: what the client lacks, and only what is stored. A client with nothing gets a
   * board at rest as its stored bytes, without decoding them; step 2 must hold everything, as
   * the client counts itself synced on receiving it.
   */
  private answerStep1(conn: Connection, stateVector: Uint8Array) {
    // After a refused write the board is back to what storage holds: answer from that.
    const answer = () => {
      const atRest = this.board.bytesAtRest()
      const empty = Y.decodeStateVector(stateVector).size === 0
      this.send(conn, atRest && empty ? syncStep2Message(atRest) : syncStep2FromDoc(this.doc, stateVector))
      // Our own step 1 waited for this (see join); decoding the board can happen now, while the
      // client applies what it was sent.
      if (this.conns.get(conn)?.step1Timer) setImmediate(() => this.sendStep1(conn))
    }
    this.writer.afterStored(answer, answer)
  }

  private applyFrom(conn: Connection, update: Uint8Array) {
    // An empty diff (a client's usual sync step 2) changes nothing; no need to decode the board.
    if (isEmptyUpdate(update)) return
    if (this.conns.get(conn)?.readOnly) {
      // A view-only client's sync step 2 is usually an empty diff; anything that would change
      // the board is refused.
      if (updateChangesDoc(this.doc, update))
        throw new RefusedError(CloseCode.viewOnly, 'view_only', 'view-only link: edits are not accepted')
      return
    }
    if (this.writer.health !== 'ok') throw new RefusedError(CloseCode.storageFailed, 'storage', STORAGE_FAILED)
    if (!this.tryApply(conn, update)) return this.held.hold(conn, update)
    if (!this.held.isEmpty) this.releaseHeld()
  }

  /** Applies an editor's update unless it must wait for changes the server lacks (false). Throws RefusedError. */
  private tryApply(conn: Connection, update: Uint8Array): boolean {
    const verdict = this.guard.check(this.doc, conn, update)
    if (verdict.gap) return false
    Y.applyUpdate(this.doc, update, conn)
    this.guard.wrote(conn, verdict.writesAs)
    return true
  }

  /** Applies held updates whose dependencies have arrived. */
  private releaseHeld() {
    this.held.drain((conn, update) => {
      try {
        return this.tryApply(conn, update)
      } catch (err) {
        this.held.drop(conn)
        this.refuse(conn, err instanceof RefusedError ? err : new RefusedError(CloseCode.malformed, 'malformed', 'malformed message'))
        return false
      }
    })
  }

  // --- sending -----------------------------------------------------------------------------

  /**
   * A message for one connection only (a request's answer), sent once everything applied so
   * far is stored. Should storage refuse it, an editor is closed with 4500 instead (and asks
   * again once it is back): a reply must never acknowledge what was not stored.
   */
  reply(conn: Connection, message: Uint8Array) {
    const send = () => this.send(conn, message)
    this.writer.afterStored(send, () => {
      if (this.isReadOnly(conn)) send()
      else conn.close(CloseCode.storageFailed, STORAGE_FAILED)
    })
  }

  /** A message that changes nothing, so that a client that hears nothing else stays connected. */
  keepAlive(conn: Connection) {
    this.send(conn, EMPTY_AWARENESS_MESSAGE)
  }

  private send(conn: Connection, message: Uint8Array) {
    if (!conn.isOpen) return
    conn.send(message)
    this.count(1, message.length)
  }

  /**
   * Sends the same encoded bytes to every connection except the one they came from, framed once:
   * each socket gets the same frame.
   */
  private broadcast = (message: Uint8Array, except: unknown) => {
    let sent = 0
    let groups: Set<ConnectionGroup> | undefined
    let frame: Buffer | undefined
    for (const conn of this.conns.keys()) {
      if (conn === except || !conn.isOpen) continue
      sent++
      // Relayed connections get it once per link, not once each.
      if (conn.group) (groups ??= new Set()).add(conn.group)
      else if (conn.sendFrame) conn.sendFrame((frame ??= binaryFrame(message)))
      else conn.send(message)
    }
    if (groups) for (const group of groups) group.broadcast(message, except)
    this.count(sent, message.length)
  }

  private count(messages: number, bytesEach: number) {
    if (messages === 0) return
    this.opts.metrics.messagesOut.inc(messages)
    this.opts.metrics.bytesOut.inc(messages * bytesEach)
  }

  /**
   * One message per sender for a whole stored batch: sending costs a system call per message,
   * so merging what one connection sent in a burst divides the cost of a busy board by the
   * batch. Different senders' updates stay separate messages: applied in one transaction,
   * concurrent writes of one key can leave YKeyValue with a duplicate it does not clean up.
   */
  private broadcastBatch(batch: PendingUpdate[]) {
    const bySender = new Map<unknown, Uint8Array[]>()
    for (const { update, origin } of batch) {
      const updates = bySender.get(origin)
      if (updates) updates.push(update)
      else bySender.set(origin, [update])
    }
    for (const [origin, updates] of bySender)
      this.broadcast(updateMessage(updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)), origin)
  }

  // --- at rest -----------------------------------------------------------------------------

  /**
   * Keeps an idle board as its encoded state (compacted into storage too) and drops the doc.
   * Waits another idle period while a write is still on its way to storage.
   */
  hibernate = () => {
    if (this.destroyed || this.writer.health === 'failed') return
    if (!this.writer.flush()) return this.board.idleLater()
    const atRest = this.board.hibernate()
    if (atRest) this.writer.compactTo(atRest.state, atRest.stateVector)
  }

  destroy() {
    this.writer.destroy()
    this.destroyed = true
    for (const c of this.conns.values()) clearTimeout(c.step1Timer)
    this.board.destroy()
    this.presence.destroy()
  }
}
