import * as Y from 'yjs'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import { HocuspocusProvider } from '@hocuspocus/provider'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import type { ServerKind } from './servers.ts'
import { sendOnlyOwnPresence } from '@roundtable/shared'

/** A client of any of the compared servers: the kind's own stock client, or raw frames for the floor. */
export interface BenchClient {
  doc: Y.Doc
  awareness: awarenessProtocol.Awareness
  /** Resolves once the first sync with the server finished (the floor has nothing to sync). */
  synced: Promise<void>
  /** Payload bytes received from the server so far. */
  bytesIn(): number
  /** WebSocket messages received from the server so far (what the server sent this client). */
  messagesIn(): number
  /** WebSocket messages this client sent so far. */
  messagesOut(): number
  /** Times the client's socket was opened after the first: a server that drops a client shows here. */
  reconnects(): number
  /** Whether the client's current socket is open. */
  connected(): boolean
  /** Calls `fn` at every completed sync (y-websocket clients: after each reconnection too). */
  onSynced?(fn: () => void): void
  destroy(): void
}

type Raw = Buffer | ArrayBuffer | Buffer[]
const size = (d: Raw) => (Array.isArray(d) ? d.reduce((n, b) => n + b.length, 0) : d.byteLength)

/** What a client's sockets carried, summed over reconnects. */
interface Counter {
  bytes: number
  messagesIn: number
  messagesOut: number
  sockets: number
  current?: WebSocket
}

const newCounter = (): Counter => ({ bytes: 0, messagesIn: 0, messagesOut: 0, sockets: 0 })

/** The counting half of a BenchClient. */
function counts(counter: Counter) {
  return {
    bytesIn: () => counter.bytes,
    messagesIn: () => counter.messagesIn,
    messagesOut: () => counter.messagesOut,
    reconnects: () => Math.max(0, counter.sockets - 1),
    connected: () => counter.current?.readyState === WebSocket.OPEN,
  }
}

/**
 * A ws WebSocket class that counts what it receives and sends, given to each stock client as
 * its polyfill; the stock clients make a new one for every (re)connection.
 */
function countingWebSocket(counter: Counter) {
  return class CountingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      counter.sockets++
      counter.current = this
      this.on('message', (d: Raw) => {
        counter.bytes += size(d)
        counter.messagesIn++
      })
      const send = this.send
      this.send = function (this: WebSocket, ...args: unknown[]) {
        ;(send as (...a: unknown[]) => void).apply(this, args)
        counter.messagesOut++
      } as WebSocket['send']
    }
  }
}

function onceEvent(
  emitter: { on(event: string, handler: (arg: unknown) => void): void; off?(event: string, handler: (arg: unknown) => void): void },
  event: string,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no "${event}" within ${timeoutMs} ms`)), timeoutMs)
    const handler = (arg: unknown) => {
      // y-websocket emits sync(false) on disconnect; only a true sync counts.
      if (arg === false) return
      clearTimeout(timer)
      emitter.off?.(event, handler)
      resolve()
    }
    emitter.on(event, handler)
  })
}

export function connect(
  server: { kind: ServerKind; wsUrl: string },
  board: string,
  opts: { doc?: Y.Doc; syncTimeoutMs?: number } = {},
): BenchClient {
  const doc = opts.doc ?? new Y.Doc()
  const counter = newCounter()
  const timeout = opts.syncTimeoutMs ?? 60_000
  switch (server.kind) {
    case 'roundtable':
    case 'reference': {
      const provider = new WebsocketProvider(server.wsUrl, board, doc, {
        WebSocketPolyfill: countingWebSocket(counter) as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      })
      // Roundtable's web client sends only its own presence (see sendOnlyOwnPresence).
      if (server.kind === 'roundtable') sendOnlyOwnPresence(provider)
      const synced = provider.synced ? Promise.resolve() : onceEvent(provider, 'sync', timeout, `${server.kind} ${board}`)
      return {
        doc,
        awareness: provider.awareness,
        synced,
        ...counts(counter),
        onSynced: (fn) => provider.on('sync', (isSynced: boolean) => isSynced && fn()),
        destroy() {
          provider.destroy()
          doc.destroy()
        },
      }
    }
    case 'hocuspocus': {
      // With a url, the provider hands its whole configuration (polyfill included) to the
      // socket it manages; the types only list the provider's own options.
      const provider = new HocuspocusProvider({
        url: server.wsUrl,
        name: board,
        document: doc,
        WebSocketPolyfill: countingWebSocket(counter),
      } as ConstructorParameters<typeof HocuspocusProvider>[0])
      const synced = provider.isSynced ? Promise.resolve() : onceEvent(provider, 'synced', timeout, `hocuspocus ${board}`)
      return {
        doc,
        awareness: provider.awareness!,
        synced,
        ...counts(counter),
        destroy() {
          provider.destroy()
          doc.destroy()
        },
      }
    }
    case 'floor':
      return floorClient(`${server.wsUrl}/${board}`, doc, counter)
  }
}

const REMOTE = Symbol('remote')

/**
 * The floor speaks no protocol of its own: peers send y-websocket frames (sync updates and
 * awareness) and apply what the relay hands them, so the client side does the same Yjs work.
 */
function floorClient(url: string, doc: Y.Doc, counter: Counter): BenchClient {
  const awareness = new awarenessProtocol.Awareness(doc)
  const ws = new WebSocket(url)
  counter.sockets++
  counter.current = ws
  ws.binaryType = 'nodebuffer'
  const send = (m: Uint8Array) => {
    if (ws.readyState !== ws.OPEN) return
    ws.send(m)
    counter.messagesOut++
  }
  ws.on('message', (data: Buffer) => {
    counter.bytes += data.length
    counter.messagesIn++
    const decoder = decoding.createDecoder(data)
    const type = decoding.readVarUint(decoder)
    if (type === 0) {
      const syncType = decoding.readVarUint(decoder)
      if (syncType === syncProtocol.messageYjsUpdate || syncType === syncProtocol.messageYjsSyncStep2) {
        Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), REMOTE)
      }
    } else if (type === 1) {
      awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), REMOTE)
    }
  })
  const onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE) return
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 0)
    syncProtocol.writeUpdate(e, update)
    send(encoding.toUint8Array(e))
  }
  const onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === REMOTE) return
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 1)
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, added.concat(updated, removed)))
    send(encoding.toUint8Array(e))
  }
  doc.on('update', onUpdate)
  awareness.on('update', onAwareness)
  const synced = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return {
    doc,
    awareness,
    synced,
    ...counts(counter),
    destroy() {
      doc.off('update', onUpdate)
      awareness.destroy()
      ws.close()
      doc.destroy()
    },
  }
}
