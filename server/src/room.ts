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
import type { BoardStorage } from './storage/storage.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { inspectUpdate, updateChangesDoc } from './updateChanges.ts'

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
  maxBoardBytes: number
  metrics: Metrics
  /** Called when the last connection leaves, so the owner can schedule an unload. */
  onEmpty: (room: Room) => void
  /** Called when storage failed and the room dropped everyone; the owner forgets the room. */
  onFailed: (room: Room) => void
  /** Handles Roundtable requests (votes, anonymous reveal); without it they are refused as unknown. */
  onRoundtable?: (room: Room, conn: WebSocket, request: { id: number; [key: string]: unknown }) => void
}

interface Conn {
  /** Awareness client ids this connection controls. */
  controlled: Set<number>
  readOnly: boolean
}

/**
 * One loaded board: its Y.Doc, awareness and connections. Updates received in one event-loop
 * tick are merged, appended to storage in one transaction, and only then broadcast; each
 * broadcast is encoded once and the same bytes sent to all.
 */
export class Room {
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  private conns = new Map<WebSocket, Conn>()
  /** Which connection writes as each Yjs client id (see applyFrom). */
  private writers = new Map<number, WebSocket>()
  private appendedSinceCompact = 0
  /** Upper bound of the board's encoded size: stored state plus every update appended since. */
  private estimatedBytes = 0
  /** Updates applied in memory this tick, not yet stored nor sent to anyone. */
  private pending: { update: Uint8Array; origin: unknown }[] = []
  private unsubscribeFanout: () => void
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
    const stored = storage.load(id)
    if (stored.corrupt.length > 0) {
      opts.metrics.corruptRows.inc(stored.corrupt.length)
      this.log.error(
        { boardId: id, corrupt: stored.corrupt },
        'stored rows failed their checksum; loaded what verifies and moved the bad rows to corrupt_rows for inspection',
      )
    }
    Y.transact(this.doc, () => {
      for (const update of stored.state ? [stored.state, ...stored.updates] : stored.updates) {
        try {
          Y.applyUpdate(this.doc, update)
        } catch (err) {
          opts.metrics.errors.inc({ kind: 'undecodable_row' })
          this.log.error({ boardId: id, err }, 'a stored row passed its checksum but could not be applied; skipped')
        }
        this.estimatedBytes += update.length
      }
    })
    this.appendedSinceCompact = stored.updates.length + (stored.corrupt.length > 0 ? 1 : 0)
    if (this.appendedSinceCompact >= opts.compactAfterUpdates) this.compact()

    this.doc.on('update', this.onDocUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
    this.unsubscribeFanout = fanout.subscribe(id, this.onFanoutUpdate)
  }

  get connectionCount(): number {
    return this.conns.size
  }

  private onFanoutUpdate = (update: Uint8Array) => {
    Y.applyUpdate(this.doc, update, FANOUT_ORIGIN)
  }

  private onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (this.failed) return
    if (origin === FANOUT_ORIGIN) {
      // Another process stored it already.
      this.broadcast(this.encodeUpdate(update), origin)
      return
    }
    if (this.pending.length === 0) setImmediate(this.flush)
    this.pending.push({ update, origin })
  }

  /**
   * Store this tick's updates in one transaction, then send each to everyone but its sender.
   * Nothing is sent before it is stored, so anything a peer has seen survives a kill -9.
   */
  flush = () => {
    if (this.pending.length === 0 || this.failed || this.destroyed) return
    const batch = this.pending
    this.pending = []
    const merged = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((p) => p.update))
    const timer = this.opts.metrics.persistSeconds.startTimer()
    try {
      this.storage.appendUpdate(this.id, merged)
    } catch (err) {
      this.fail(err)
      return
    }
    timer()
    this.appendedSinceCompact++
    this.estimatedBytes += merged.length
    for (const { update, origin } of batch) this.broadcast(this.encodeUpdate(update), origin)
    this.fanout.publish(this.id, merged, this.onFanoutUpdate)
    if (this.appendedSinceCompact >= this.opts.compactAfterUpdates) this.compact()
  }

  private encodeUpdate(update: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeUpdate(encoder, update)
    return encoding.toUint8Array(encoder)
  }

  private onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    const changed = added.concat(updated, removed)
    const conn = this.conns.get(origin as WebSocket)
    if (conn) {
      for (const id of added) conn.controlled.add(id)
      for (const id of removed) conn.controlled.delete(id)
    }
    this.broadcast(this.encodeAwareness(changed), origin)
  }

  /** Send the same encoded bytes to every connection except the one they came from. */
  private broadcast(message: Uint8Array, except: unknown) {
    for (const conn of this.conns.keys()) {
      if (conn !== except) this.send(conn, message)
    }
  }

  /** Each open connection with the awareness client ids it controls. */
  connections(): ReadonlyMap<WebSocket, ReadonlySet<number>> {
    return new Map([...this.conns].map(([ws, c]) => [ws, c.controlled]))
  }

  /** Whether this connection came in through a view-only link. */
  isReadOnly(conn: WebSocket): boolean {
    return this.conns.get(conn)?.readOnly ?? true
  }

  /** A message for one connection only (replies to Roundtable requests). */
  sendTo(conn: WebSocket, message: Uint8Array) {
    this.send(conn, message)
  }

  private send(conn: WebSocket, message: Uint8Array) {
    if (conn.readyState !== conn.OPEN) return
    this.opts.metrics.messagesOut.inc()
    this.opts.metrics.bytesOut.inc(message.length)
    conn.send(message, (err) => {
      if (err) conn.terminate()
    })
  }

  join(conn: WebSocket, access: { readOnly: boolean }) {
    this.conns.set(conn, { controlled: new Set(), readOnly: access.readOnly })
    // Start the sync handshake: our state vector, and everyone's presence.
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.send(conn, encoding.toUint8Array(encoder))
    const states = this.awareness.getStates()
    if (states.size > 0) this.send(conn, this.encodeAwareness([...states.keys()]))
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
          const encoder = encoding.createEncoder()
          encoding.writeVarUint(encoder, MESSAGE_SYNC)
          syncProtocol.writeSyncStep2(encoder, this.doc, stateVector)
          this.send(conn, encoding.toUint8Array(encoder))
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
        awarenessProtocol.applyAwarenessUpdate(this.awareness, update, conn)
        break
      }
      case MESSAGE_QUERY_AWARENESS:
        this.checkEnd(decoder, data)
        this.send(conn, this.encodeAwareness([...this.awareness.getStates().keys()]))
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
    if (this.conns.get(conn)?.readOnly) {
      // A view-only client's sync step 2 is usually an empty diff; anything that would change
      // the board is refused.
      if (updateChangesDoc(this.doc, update)) throw new RefusedError(CloseCode.viewOnly, 'view_only', 'view-only link: edits are not accepted')
      return
    }
    if (this.failed) throw new RefusedError(CloseCode.storageFailed, 'storage', 'storage failed, retrying')
    const inspected = inspectUpdate(this.doc, update)
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
    if (!fitsWithin(this.estimatedBytes, update.length, this.opts.maxBoardBytes)) {
      // The estimate only grows; measure before refusing.
      this.estimatedBytes = Y.encodeStateAsUpdate(this.doc).length
      if (!fitsWithin(this.estimatedBytes, update.length, this.opts.maxBoardBytes) && updateChangesDoc(this.doc, update)) {
        throw new RefusedError(CloseCode.boardTooLarge, 'board_bytes', `board is full (limit ${this.opts.maxBoardBytes} bytes)`)
      }
    }
    Y.applyUpdate(this.doc, update, conn)
    for (const client of inspected.extends) this.writers.set(client, conn)
  }

  leave(conn: WebSocket) {
    const c = this.conns.get(conn)
    if (!c) return
    this.conns.delete(conn)
    for (const [client, writer] of this.writers) if (writer === conn) this.writers.delete(client)
    if (c.controlled.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...c.controlled], null)
    if (this.conns.size === 0) this.opts.onEmpty(this)
  }

  /** Fold the update log into one stored state so a cold load does not replay history. */
  compact() {
    this.flush()
    if (this.failed || this.destroyed || this.appendedSinceCompact === 0) return
    try {
      const state = Y.encodeStateAsUpdate(this.doc)
      this.storage.compact(this.id, state)
      this.appendedSinceCompact = 0
      this.estimatedBytes = state.length
      this.opts.metrics.compactions.inc()
    } catch (err) {
      this.opts.metrics.errors.inc({ kind: 'compaction' })
      this.log.error({ boardId: this.id, err }, 'compaction failed; the update log is kept')
    }
  }

  /**
   * Storage refused an update: the doc in memory now holds something that is not on disk and
   * that nobody else was sent, so drop it and everyone. Clients keep their edits locally and
   * resend them on reconnect, when the board is loaded again from what storage holds.
   */
  private fail(err: unknown) {
    this.failed = true
    this.pending = []
    this.opts.metrics.errors.inc({ kind: 'storage' })
    this.log.error({ boardId: this.id, err }, 'storage failed; closing the board so nothing unsaved is acknowledged')
    this.closeAll(CloseCode.storageFailed, 'storage failed, retrying')
    this.opts.onFailed(this)
  }

  closeAll(code: number, reason: string) {
    for (const conn of this.conns.keys()) conn.close(code, reason)
  }

  destroy() {
    this.flush()
    this.destroyed = true
    this.unsubscribeFanout()
    this.doc.off('update', this.onDocUpdate)
    this.awareness.destroy()
    this.doc.destroy()
  }
}
