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
  readRoundtablePayload,
} from '@roundtable/shared'
import type { BoardStorage } from './storage/storage.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'

/** A frame the protocol cannot make sense of; closes only the connection that sent it. */
export class ProtocolError extends Error {}

/** Transaction origin for updates that arrive from other processes through the fan-out. */
const FANOUT_ORIGIN = Symbol('fanout')

export interface RoomOptions {
  compactAfterUpdates: number
  /** Called when the last connection leaves, so the owner can schedule an unload. */
  onEmpty: (room: Room) => void
  /** Called when storage failed and the room dropped everyone; the owner forgets the room. */
  onFailed: (room: Room) => void
  /** Handles Roundtable requests (votes, anonymous reveal); without it they are refused as unknown. */
  onRoundtable?: (room: Room, conn: WebSocket, request: { id: number; [key: string]: unknown }) => void
}

/**
 * One loaded board: its Y.Doc, awareness and connections. Each update is appended to storage
 * before it is broadcast, and each broadcast is encoded once and the same bytes sent to all.
 */
export class Room {
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  /** Each connection with the awareness client ids it controls. */
  private conns = new Map<WebSocket, Set<number>>()
  private appendedSinceCompact = 0
  private unsubscribeFanout: () => void
  private failed = false

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
    Y.transact(this.doc, () => {
      if (stored.state) Y.applyUpdate(this.doc, stored.state)
      for (const update of stored.updates) Y.applyUpdate(this.doc, update)
    })
    this.appendedSinceCompact = stored.updates.length
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
    if (origin !== FANOUT_ORIGIN) {
      try {
        this.storage.appendUpdate(this.id, update)
      } catch (err) {
        this.fail(err)
        return
      }
      this.appendedSinceCompact++
    }
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeUpdate(encoder, update)
    this.broadcast(encoding.toUint8Array(encoder), origin)
    if (origin !== FANOUT_ORIGIN) this.fanout.publish(this.id, update, this.onFanoutUpdate)
    if (this.appendedSinceCompact >= this.opts.compactAfterUpdates) this.compact()
  }

  private onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    const changed = added.concat(updated, removed)
    const controlled = this.conns.get(origin as WebSocket)
    if (controlled) {
      for (const id of added) controlled.add(id)
      for (const id of removed) controlled.delete(id)
    }
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed))
    this.broadcast(encoding.toUint8Array(encoder), origin)
  }

  /** Send the same encoded bytes to every connection except the one they came from. */
  private broadcast(message: Uint8Array, except: unknown) {
    for (const conn of this.conns.keys()) {
      if (conn !== except) this.send(conn, message)
    }
  }

  /** Each open connection with the awareness client ids it controls. */
  connections(): ReadonlyMap<WebSocket, ReadonlySet<number>> {
    return this.conns
  }

  /** A message for one connection only (replies to Roundtable requests). */
  sendTo(conn: WebSocket, message: Uint8Array) {
    this.send(conn, message)
  }

  private send(conn: WebSocket, message: Uint8Array) {
    if (conn.readyState !== conn.OPEN) return
    conn.send(message, (err) => {
      if (err) conn.terminate()
    })
  }

  join(conn: WebSocket) {
    this.conns.set(conn, new Set())
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

  /** Handle one binary frame. Throws ProtocolError (or a decoding error) on malformed input. */
  handleMessage(conn: WebSocket, data: Uint8Array) {
    const decoder = decoding.createDecoder(data)
    const type = decoding.readVarUint(decoder)
    switch (type) {
      case MESSAGE_SYNC: {
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MESSAGE_SYNC)
        syncProtocol.readSyncMessage(decoder, encoder, this.doc, conn)
        if (encoding.length(encoder) > 1) this.send(conn, encoding.toUint8Array(encoder))
        break
      }
      case MESSAGE_AWARENESS:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), conn)
        break
      case MESSAGE_QUERY_AWARENESS:
        this.send(conn, this.encodeAwareness([...this.awareness.getStates().keys()]))
        break
      case MESSAGE_ROUNDTABLE: {
        if (!this.opts.onRoundtable) throw new ProtocolError(`unknown message type ${type}`)
        const request = readRoundtablePayload(decoder)
        if (decoder.pos !== data.length) throw new ProtocolError('trailing bytes after message')
        this.opts.onRoundtable(this, conn, request)
        return
      }
      case MESSAGE_AUTH:
        // Stock clients never send auth; access is decided at upgrade time.
        break
      default:
        throw new ProtocolError(`unknown message type ${type}`)
    }
    if (decoder.pos !== data.length) throw new ProtocolError('trailing bytes after message')
  }

  leave(conn: WebSocket) {
    const controlled = this.conns.get(conn)
    if (!controlled) return
    this.conns.delete(conn)
    if (controlled.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...controlled], null)
    if (this.conns.size === 0) this.opts.onEmpty(this)
  }

  /** Fold the update log into one stored state so a cold load does not replay history. */
  compact() {
    if (this.failed || this.appendedSinceCompact === 0) return
    try {
      this.storage.compact(this.id, Y.encodeStateAsUpdate(this.doc))
      this.appendedSinceCompact = 0
    } catch (err) {
      this.log.error({ boardId: this.id, err }, 'compaction failed; the update log is kept')
    }
  }

  /**
   * Storage refused an update: the doc in memory now holds something that is not on disk, so
   * drop it and everyone. Clients keep their edits locally and resend them on reconnect.
   */
  private fail(err: unknown) {
    this.failed = true
    this.log.error({ boardId: this.id, err }, 'storage failed; closing the board so nothing unsaved is acknowledged')
    this.closeAll(CloseCode.storageFailed, 'storage failed, retrying')
    this.opts.onFailed(this)
  }

  closeAll(code: number, reason: string) {
    for (const conn of this.conns.keys()) conn.close(code, reason)
  }

  destroy() {
    this.unsubscribeFanout()
    this.doc.off('update', this.onDocUpdate)
    this.awareness.destroy()
    this.doc.destroy()
  }
}
