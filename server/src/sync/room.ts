import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import {
  CloseCode,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_REQUEST,
  MESSAGE_SYNC,
  encodeRequest,
  readRequestPayload,
} from '@roundtable/shared'
import type { BoardStorage } from '../storage/boards.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import type { Connection } from './connection.ts'
import { ProtocolError, RefusedError } from './errors.ts'
import { RequestRefusal, type RequestHandler, type RoomExtension } from './extension.ts'
import { BoardDoc, type UpdateListener } from './boardDoc.ts'
import { BoardWriter, MIN_FLUSH_INTERVAL_MS, type PendingUpdate } from './boardWriter.ts'
import { HeldUpdates } from './heldUpdates.ts'
import { PresenceGuard, type PresenceLimits } from './presenceGuard.ts'
import { WriteGuard } from './writeGuard.ts'
import { updateChangesDoc } from './updateInspection.ts'

export interface RoomOptions {
  log: Logger
  metrics: Metrics
  compactAfterUpdates: number
  /** A board nobody has edited for this long is kept as encoded bytes instead of a live doc (0: never). */
  docIdleMs: number
  maxBoardBytes: number
  presence: PresenceLimits
  extensions: readonly RoomExtension[]
  /** Every extension's request handlers, by op. */
  requests: ReadonlyMap<string, RequestHandler>
  /** The last connection left, so the owner can schedule an unload. */
  onEmpty: (room: Room) => void
  /** Storage could not even be read back and everyone was dropped; the owner forgets the room. */
  onFailed: (room: Room) => void
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
/** An awareness message with no states: changes nothing, costs 3 bytes. */
const EMPTY_AWARENESS_MESSAGE = new Uint8Array([MESSAGE_AWARENESS, 1, 0])

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** A Yjs update with no structs and no deletions: [0 clients with structs, 0 clients with deletes]. */
const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0

/**
 * One loaded board and the people on it: the y-websocket protocol (sync, awareness), requests,
 * and broadcasting. What it delegates: the doc's life live or at rest (BoardDoc), storing
 * before sending (BoardWriter), what an editor may write (WriteGuard, HeldUpdates) and whose
 * presence is whose (PresenceGuard). Every message is encoded once and the same bytes sent to
 * all.
 */
export class Room {
  /** Presence lives beside the doc, on a doc of its own, so the board's doc can be dropped. */
  readonly awareness = new awarenessProtocol.Awareness(new Y.Doc())
  private conns = new Map<Connection, ConnState>()
  private board: BoardDoc
  private writer: BoardWriter
  private presence: PresenceGuard
  private guard: WriteGuard
  private held = new HeldUpdates()
  private pendingAwareness = { clients: new Set<number>(), senders: new Set<unknown>() }
  private lastAwarenessFlush = -Infinity
  private destroyed = false

  constructor(
    readonly id: string,
    storage: BoardStorage,
    private opts: RoomOptions,
  ) {
    const { log, metrics } = opts
    const stored = storage.load(id)
    if (stored.corrupt.length > 0) {
      metrics.corruptRows.inc(stored.corrupt.length)
      log.error(
        { boardId: id, corrupt: stored.corrupt },
        'stored rows failed their checksum; loaded what verifies and moved the bad rows to corrupt_rows for inspection',
      )
    }
    this.writer = new BoardWriter(id, storage, stored, {
      log,
      metrics,
      maxBoardBytes: opts.maxBoardBytes,
      compactAfterUpdates: opts.compactAfterUpdates,
      encodeState: () => Y.encodeStateAsUpdate(this.doc),
      onStored: (batch) => this.broadcastBatch(batch),
      onRefused: (storedNow, dropped) => {
        this.board.reset(storedNow)
        for (const { origin } of dropped) {
          if (this.conns.has(origin as Connection)) (origin as Connection).close(CloseCode.storageFailed, 'storage failed, retrying')
        }
      },
      onAccepting: () => {
        for (const [conn, c] of this.conns) {
          if (!c.awaitingStorage) continue
          c.awaitingStorage = false
          this.sendStep1(conn)
        }
      },
      onFailed: () => {
        this.closeAll(CloseCode.storageFailed, 'storage failed, retrying')
        opts.onFailed(this)
      },
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
    // The server holds no presence of its own.
    this.awareness.setLocalState(null)
    this.presence = new PresenceGuard(this.awareness, opts.presence, metrics, log, id, (conn, r) => {
      this.refuse(conn, new RefusedError(r.code, r.limit, r.message))
    })
    this.awareness.on('update', this.onAwarenessUpdate)
    const owners = new Map<string, RoomExtension>()
    for (const ext of opts.extensions) for (const root of ext.serverOwnedRoots ?? []) owners.set(root, ext)
    this.guard = new WriteGuard({
      serverOwnedRoots: new Set(owners.keys()),
      checkWrites: (writes) => {
        for (const write of writes) {
          const refusal = owners.get(write.root)?.checkUpdate?.(this, [write])
          if (refusal) return refusal
        }
        return undefined
      },
      presenceAuthor: (client) => this.presence.author(client),
      isConnected: (conn) => this.conns.has(conn),
      fits: (bytes) => this.writer.fits(bytes),
      maxBoardBytes: opts.maxBoardBytes,
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

  compact() {
    this.writer.compact()
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
    const states = this.awareness.getStates()
    if (states.size > 0) this.send(conn, this.encodeAwareness([...states.keys()]))
  }

  leave(conn: Connection) {
    const c = this.conns.get(conn)
    if (!c) return
    this.conns.delete(conn)
    clearTimeout(c.step1Timer)
    this.guard.leave(conn)
    this.held.drop(conn)
    if (c.controlled.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...c.controlled], null)
    this.presence.leave(conn)
    for (const ext of this.opts.extensions) ext.onLeave?.(this, conn)
    if (this.conns.size === 0) this.opts.onEmpty(this)
  }

  private refuse(conn: Connection, err: RefusedError) {
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
    const end = () => {
      if (decoder.pos !== data.length) throw new ProtocolError('trailing bytes after message')
    }
    switch (type) {
      case MESSAGE_SYNC: {
        const syncType = decoding.readVarUint(decoder)
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          const stateVector = decoding.readVarUint8Array(decoder)
          end()
          this.answerStep1(conn, stateVector)
        } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          const update = decoding.readVarUint8Array(decoder)
          end()
          this.applyFrom(conn, update)
        } else {
          throw new ProtocolError(`unknown sync message type ${syncType}`)
        }
        break
      }
      case MESSAGE_AWARENESS: {
        const update = decoding.readVarUint8Array(decoder)
        end()
        const { update: admitted, refusal } = this.presence.admit(conn, update)
        if (refusal) throw new RefusedError(refusal.code, refusal.limit, refusal.message)
        if (admitted) awarenessProtocol.applyAwarenessUpdate(this.awareness, admitted, conn)
        break
      }
      case MESSAGE_QUERY_AWARENESS:
        end()
        // Everyone's presence can be large: in full at most once a second per connection.
        this.send(
          conn,
          this.presence.mayQuery(conn) ? this.encodeAwareness([...this.awareness.getStates().keys()]) : EMPTY_AWARENESS_MESSAGE,
        )
        break
      case MESSAGE_REQUEST: {
        const request = readRequestPayload(decoder)
        end()
        this.handleRequest(conn, request)
        break
      }
      case MESSAGE_AUTH:
        // Stock clients never send auth; access is decided at upgrade time.
        break
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
      const stateVector = this.board.knownStateVector() ?? Y.encodeStateVector(this.doc)
      this.send(
        conn,
        syncMessage((e) => (encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1), encoding.writeVarUint8Array(e, stateVector))),
      )
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
      if (atRest && Y.decodeStateVector(stateVector).size === 0) {
        this.send(
          conn,
          syncMessage((e) => (encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2), encoding.writeVarUint8Array(e, atRest))),
        )
      } else {
        this.send(
          conn,
          syncMessage((e) => syncProtocol.writeSyncStep2(e, this.doc, stateVector)),
        )
      }
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
    if (this.writer.health !== 'ok') throw new RefusedError(CloseCode.storageFailed, 'storage', 'storage failed, retrying')
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

  // --- requests ----------------------------------------------------------------------------

  /** A request beside sync and awareness: answered only to the asker, after what it wrote is stored. */
  private handleRequest(conn: Connection, request: { id: number; [key: string]: unknown }) {
    const answer = (reply: object) => this.reply(conn, encodeRequest({ id: request.id, ...reply }))
    const fail = (err: unknown) => {
      if (err instanceof RequestRefusal) return answer({ ok: false, error: err.message, ...(err.code ? { code: err.code } : {}) })
      this.opts.log.error({ boardId: this.id, err, op: String(request.op).slice(0, 40) }, 'request failed')
      answer({ ok: false, error: 'the server could not handle this request' })
    }
    try {
      const handler = this.opts.requests.get(String(request.op))
      if (!handler) throw new RequestRefusal(`unknown op ${JSON.stringify(request.op)}`)
      const result = handler(this, conn, request)
      if (result instanceof Promise) result.then((r: unknown) => answer({ ok: true, result: r }), fail)
      else answer({ ok: true, result })
    } catch (err) {
      fail(err)
    }
  }

  /**
   * A message for one connection only, sent once everything applied so far is stored. Should
   * storage refuse it, an editor is closed with 4500 instead (and asks again once it is back):
   * a reply must never acknowledge what was not stored.
   */
  reply(conn: Connection, message: Uint8Array) {
    const send = () => this.send(conn, message)
    this.writer.afterStored(send, () => {
      if (this.isReadOnly(conn)) send()
      else conn.close(CloseCode.storageFailed, 'storage failed, retrying')
    })
  }

  // --- sending -----------------------------------------------------------------------------

  /** A message that changes nothing, so that a client that hears nothing else stays connected. */
  keepAlive(conn: Connection) {
    this.send(conn, EMPTY_AWARENESS_MESSAGE)
  }

  private send(conn: Connection, message: Uint8Array) {
    if (!conn.isOpen) return
    conn.send(message)
    this.count(1, message.length)
  }

  /** Sends the same encoded bytes to every connection except the one they came from. */
  private broadcast(message: Uint8Array, except: unknown) {
    let sent = 0
    for (const conn of this.conns.keys()) {
      if (conn === except || !conn.isOpen) continue
      conn.send(message)
      sent++
    }
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
    for (const [origin, updates] of bySender) {
      const update = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)
      this.broadcast(
        syncMessage((e) => syncProtocol.writeUpdate(e, update)),
        origin,
      )
    }
  }

  private encodeAwareness(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
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
    for (const ids of [added, updated, removed]) for (const id of ids) p.clients.add(id)
    p.senders.add(origin)
  }

  /**
   * Presence changes are batched like doc updates: each client's latest state, one message for
   * everyone (a sender among several gets its own state back, which it ignores), so 50 cursors
   * moving cost a few broadcasts per frame rather than one per move.
   */
  private flushAwareness = () => {
    const { clients, senders } = this.pendingAwareness
    if (clients.size === 0 || this.destroyed) return
    this.pendingAwareness = { clients: new Set(), senders: new Set() }
    this.lastAwarenessFlush = performance.now()
    this.broadcast(this.encodeAwareness([...clients]), senders.size === 1 ? [...senders][0] : undefined)
  }

  // --- at rest -----------------------------------------------------------------------------

  /**
   * Keeps an idle board as its encoded state (compacted into storage too) and drops the doc.
   * Waits another idle period while a write is still on its way to storage.
   */
  hibernate = () => {
    if (this.destroyed || this.writer.health === 'failed') return
    if (!this.writer.flush()) return this.board.idleLater()
    const state = this.board.hibernate()
    if (state) this.writer.compactTo(state)
  }

  destroy() {
    this.writer.destroy()
    this.destroyed = true
    for (const c of this.conns.values()) clearTimeout(c.step1Timer)
    this.board.destroy()
    this.awareness.destroy()
    this.awareness.doc.destroy()
  }
}
