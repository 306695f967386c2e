/**
 * Test support for rooms without a network: fake connections that record what they are sent,
 * a room on a real SQLite store in a temporary directory, stores that fail or answer late, and
 * the frames a y-websocket client would send. Used by the unit tests only; one file so that every
 * test of the sync core sets up the same way (hence its length).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, expect, vi } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import {
  DEFAULT_MAX_RECORD_BYTES,
  MESSAGE_AWARENESS,
  MESSAGE_REQUEST,
  MESSAGE_SYNC,
  encodeRequest,
  readRequestPayload,
} from '@roundtable/shared'
import { syncFrame } from '../../../tests/support/raw.ts'
import { createLogger } from '../logger.ts'
import { createMetrics } from '../metrics.ts'
import { SqliteStorage } from '../storage/sqlite/boards.ts'
import type { BoardStorage, StoredBoard } from '../storage/boards.ts'
import type { Connection } from './connection.ts'
import { ProtocolError, RefusedError } from './errors.ts'
import type { RequestHandler, RoomExtension } from './extension.ts'
import { encodeAwarenessEntries } from './presenceGuard.ts'
import { MIN_FLUSH_INTERVAL_MS } from './boardWriter.ts'
import { Room, type RoomOptions } from './room.ts'

export { syncFrame }

export const BOARD_ID = 'board-unit-test-0001'
const log = createLogger('silent')
/** One registry for every room of a test file: each one starts process-wide collectors. */
const metrics = createMetrics()

/** A message a room sent, decoded. */
export type Sent =
  | { kind: 'step1' | 'step2' | 'update'; payload: Uint8Array }
  | { kind: 'awareness'; payload: Uint8Array }
  | { kind: 'reply'; reply: { id: number; ok: boolean; result?: unknown; error?: string; code?: string } }

export function decodeSent(message: Uint8Array): Sent {
  const decoder = decoding.createDecoder(message)
  const type = decoding.readVarUint(decoder)
  if (type === MESSAGE_SYNC) {
    const sync = decoding.readVarUint(decoder)
    const kind = sync === syncProtocol.messageYjsSyncStep1 ? 'step1' : sync === syncProtocol.messageYjsSyncStep2 ? 'step2' : 'update'
    return { kind, payload: decoding.readVarUint8Array(decoder) }
  }
  if (type === MESSAGE_AWARENESS) return { kind: 'awareness', payload: decoding.readVarUint8Array(decoder) }
  if (type === MESSAGE_REQUEST) return { kind: 'reply', reply: readRequestPayload(decoder) as Extract<Sent, { kind: 'reply' }>['reply'] }
  throw new Error(`unexpected message type ${type}`)
}

/**
 * A client's socket as the room sees it. Records every message and the close code; closing or
 * terminating it makes the room forget it at once, as the socket server does on 'close'.
 */
export class FakeConnection implements Connection {
  isOpen = true
  readonly sent: Uint8Array[] = []
  closed: { code: number; reason: string } | undefined
  terminated = false
  pings = 0
  /** Whether it answers pings (a live peer) or not (a dead socket). */
  answersPings = true
  /** Runs as each message is sent, before it is recorded. */
  onSend: ((message: Uint8Array) => void) | undefined
  /** Set by `join`: what the socket server does when the socket closes. */
  onClosed: (() => void) | undefined

  send(message: Uint8Array) {
    this.onSend?.(message)
    this.sent.push(message)
  }

  close(code: number, reason: string) {
    if (!this.isOpen) return
    this.isOpen = false
    this.closed = { code, reason }
    this.onClosed?.()
  }

  ping(onPong: () => void) {
    this.pings++
    if (this.answersPings) queueMicrotask(onPong)
  }

  terminate() {
    if (!this.isOpen) return
    this.isOpen = false
    this.terminated = true
    this.onClosed?.()
  }

  /** Everything sent so far, decoded; `since` skips the first messages. */
  messages(since = 0): Sent[] {
    return this.sent.slice(since).map(decodeSent)
  }

  /** The payloads of the sync messages of one kind it was sent. */
  syncPayloads(kind: 'step1' | 'step2' | 'update', since = 0): Uint8Array[] {
    return this.messages(since).flatMap((m) => (m.kind === kind ? [m.payload] : []))
  }

  replies(): Extract<Sent, { kind: 'reply' }>['reply'][] {
    return this.messages().flatMap((m) => (m.kind === 'reply' ? [m.reply] : []))
  }
}

/** A Yjs client on one fake connection: its own doc, and frames sent as the socket server would. */
export class Peer {
  readonly conn = new FakeConnection()

  constructor(
    readonly room: Room,
    readonly doc: Y.Doc,
    readonly readOnly: boolean,
  ) {
    this.conn.onClosed = () => room.leave(this.conn)
    room.join(this.conn, { readOnly, refuse: (err) => this.conn.close(err.code, err.message) })
  }

  get clientId(): number {
    return this.doc.clientID
  }

  /**
   * Hands a frame to the room as the socket server does: a refusal closes this connection with
   * its code, anything else unreadable with 4400.
   */
  deliver(frame: Uint8Array) {
    try {
      this.room.handleMessage(this.conn, frame)
    } catch (err) {
      this.conn.close(err instanceof RefusedError ? err.code : 4400, (err as Error).message)
    }
  }

  /** Edits its doc and sends the change as a y-websocket update. Returns the update. */
  edit(change: (doc: Y.Doc) => void): Uint8Array {
    const update = updateOf(this.doc, () => change(this.doc))
    this.deliver(syncFrame('update', update))
    return update
  }

  /** Its presence (or, with `clientId`, another's it relays) at `clock`. */
  awareness(entries: { clientId?: number; clock: number; state: unknown }[]) {
    this.deliver(awarenessFrame(entries.map((e) => ({ clientId: e.clientId ?? this.clientId, clock: e.clock, state: e.state }))))
  }

  private nextRequestId = 1
  /** Sends a request; the reply is found with `reply(id)`. */
  request(op: string, args: Record<string, unknown> = {}): number {
    const id = this.nextRequestId++
    this.deliver(encodeRequest({ id, op, ...args }))
    return id
  }

  reply(id: number) {
    return this.conn.replies().find((r) => r.id === id)
  }
}

/** Every update `change` makes to `doc`, merged into one. */
export function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const updates: Uint8Array[] = []
  const onUpdate = (u: Uint8Array) => updates.push(u)
  doc.on('update', onUpdate)
  try {
    change()
  } finally {
    doc.off('update', onUpdate)
  }
  return Y.mergeUpdates(updates)
}

/** A y-websocket awareness message. */
export function awarenessFrame(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const update = encodeAwarenessEntries(entries.map((e) => ({ ...e, state: JSON.stringify(e.state), bytes: 0 })))
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** The doc a set of stored rows makes. */
export function docOf(stored: StoredBoard): Y.Doc {
  const doc = new Y.Doc()
  for (const row of stored.state ? [stored.state, ...stored.updates] : stored.updates) Y.applyUpdate(doc, row)
  return doc
}

/** Waits until what was applied has been stored and sent (one flush window, on real timers). */
export function flushed(): Promise<void> {
  return new Promise((resolve) => setTimeout(() => setImmediate(resolve), MIN_FLUSH_INTERVAL_MS + 1))
}

/** Expects `fn` to throw a RefusedError with this close code. */
export function expectRefused(fn: () => void, code: number): RefusedError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(RefusedError)
  expect((caught as RefusedError).code).toBe(code)
  return caught as RefusedError
}

/** Expects `fn` not to throw anything a client would be closed for. */
export function expectAccepted(fn: () => void) {
  try {
    fn()
  } catch (err) {
    if (err instanceof RefusedError || err instanceof ProtocolError) throw new Error(`refused: ${err.message}`, { cause: err })
    throw err
  }
}

/**
 * SQLite storage whose writes (`failWrites`) or reads (`failLoads`) can be made to fail, as a
 * read-only or full disk would.
 */
export class FaultyStorage extends SqliteStorage {
  failWrites = false
  failLoads = false

  protected override write<T>(fn: () => T): T {
    return super.write(() => {
      if (this.failWrites) throw Object.assign(new Error('injected fault: disk full'), { code: 'SQLITE_FULL' })
      return fn()
    })
  }

  override load(boardId: string): StoredBoard {
    if (this.failLoads) throw Object.assign(new Error('injected fault: cannot read'), { code: 'SQLITE_IOERR' })
    return super.load(boardId)
  }
}

/** An append handed to an asynchronous store, finished only when the test says so. */
export interface HeldAppend {
  update: Uint8Array
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * A store across the network: appends return a Promise the test settles; a resolved append is
 * written to the SQLite store underneath first, a rejected one is not.
 */
export class DeferredStorage implements BoardStorage {
  readonly appends: HeldAppend[] = []
  /** Appends started and not yet settled. */
  inFlight = 0
  maxInFlight = 0

  constructor(readonly inner: SqliteStorage) {}

  appendUpdate(boardId: string, update: Uint8Array): Promise<void> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    return new Promise<void>((resolve, reject) => {
      this.appends.push({
        update,
        resolve: () => {
          this.inFlight--
          this.inner.appendUpdate(boardId, update)
          resolve()
        },
        reject: (err) => {
          this.inFlight--
          reject(err)
        },
      })
    })
  }

  load = (boardId: string) => this.inner.load(boardId)
  compact = (boardId: string, state: Uint8Array, stateVector?: Uint8Array) => this.inner.compact(boardId, state, stateVector)
  moveAside = (...args: Parameters<BoardStorage['moveAside']>) => this.inner.moveAside(...args)
  saveViewToken = (token: string, boardId: string) => this.inner.saveViewToken(token, boardId)
  boardForViewToken = (token: string) => this.inner.boardForViewToken(token)
  isReachable = () => this.inner.isReachable()
  writesFailing = () => this.inner.writesFailing()
  probeWrite = () => this.inner.probeWrite()
  close = () => this.inner.close()
}

export interface RoomFixture {
  room: Room
  /** The SQLite store underneath (the one `room` uses, or the one the given store wraps). */
  sqlite: FaultyStorage
  onFailed: ReturnType<typeof vi.fn>
  /** An editor (or, with `readOnly`, a view-only link) on the room, with a doc of its own. */
  join(opts?: { readOnly?: boolean; doc?: Y.Doc }): Peer
}

/**
 * Rooms on real SQLite in temporary directories, destroyed (and their directories removed)
 * after each test of the file that calls this.
 */
export function roomFixtures() {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup()
  })

  function sqliteStore(): FaultyStorage {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-unit-'))
    const storage = new FaultyStorage(dir)
    cleanups.push(() => {
      storage.close()
      fs.rmSync(dir, { recursive: true, force: true })
    })
    return storage
  }

  function openRoom(
    opts: {
      /** Wraps the SQLite store (e.g. in a DeferredStorage). */
      storage?: (sqlite: FaultyStorage) => BoardStorage
      /** Written to the board before the room loads it. */
      seed?: (doc: Y.Doc) => void
      extensions?: RoomExtension[]
      maxBoardBytes?: number
      maxRecordBytes?: number
      presence?: RoomOptions['presence']
    } = {},
  ): RoomFixture {
    const sqlite = sqliteStore()
    if (opts.seed) sqlite.appendUpdate(BOARD_ID, seedUpdate(opts.seed))
    const extensions = opts.extensions ?? []
    const requests = new Map<string, RequestHandler>()
    for (const ext of extensions) for (const [op, handler] of Object.entries(ext.requests ?? {})) requests.set(op, handler)
    const onFailed = vi.fn()
    // Rooms loads a board before it makes its room; the SQLite file is what any wrapper stores into.
    const room = new Room(BOARD_ID, sqlite.load(BOARD_ID), opts.storage ? opts.storage(sqlite) : sqlite, {
      log,
      metrics,
      compactAfterUpdates: 1000,
      docIdleMs: 0,
      maxBoardBytes: opts.maxBoardBytes ?? 64 * 1024 * 1024,
      maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      presence: opts.presence ?? { maxClientsPerConnection: 8, maxStateBytes: 64 * 1024 },
      extensions,
      requests,
      onEmpty: () => {},
      onFailed,
    })
    cleanups.push(() => room.destroy())
    return {
      room,
      sqlite,
      onFailed,
      join: ({ readOnly = false, doc } = {}) => new Peer(room, doc ?? copyOf(room.doc), readOnly),
    }
  }

  return { openRoom, sqliteStore }
}

function seedUpdate(change: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc()
  return updateOf(doc, () => change(doc))
}

/** A new doc holding what `doc` holds (a client that has synced). */
export function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}
