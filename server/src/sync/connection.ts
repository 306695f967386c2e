import type { Duplex } from 'node:stream'
import type { RawData, WebSocket } from 'ws'

/**
 * One client's socket as a room sees it. The room, the write pipeline and the guards use only
 * this, so they are unit-tested with a fake; `wsConnection` adapts a `ws` socket. `terminate`
 * is the one method beyond send/close/ping/isOpen: a peer that stopped answering would never
 * finish a closing handshake.
 */
export interface Connection {
  readonly isOpen: boolean
  /** Set when the connection shares one transport with others (a board link): see ConnectionGroup. */
  readonly group?: ConnectionGroup
  send(message: Uint8Array): void
  /**
   * Sends a whole frame built once for many connections (binaryFrame) as it is; without this
   * method, a broadcast sends the message with `send`.
   */
  sendFrame?(frame: Buffer): void
  close(code: number, reason: string): void
  /** Pings the peer; `onPong` runs when it answers. */
  ping(onPong: () => void): void
  terminate(): void
}

/**
 * Connections relayed over one board link from another process (cluster/linkFrames.ts): a
 * message for all of them crosses the link once, and that process hands it to each.
 */
export interface ConnectionGroup {
  /** Sends to every connection of the group but `except` (when it is one of them). */
  broadcast(message: Uint8Array, except: unknown): void
}

/**
 * `socket` is the upgraded socket `ws` speaks over (the upgrade request's). A prebuilt frame is
 * written to it directly: ws writes each of its own frames to it at once too (no compression is
 * negotiated), so frames keep their order.
 */
export function wsConnection(ws: WebSocket, socket: Duplex): Connection {
  return {
    get isOpen() {
      return ws.readyState === ws.OPEN
    },
    send: (message) => ws.send(message),
    sendFrame: (frame) => socket.write(frame),
    close: (code, reason) => ws.close(code, reason),
    ping: (onPong) => {
      if (ws.readyState !== ws.OPEN) return
      ws.once('pong', onPong)
      ws.ping()
    },
    terminate: () => ws.terminate(),
  }
}

/**
 * Pings the peer every `ms`; one that did not answer the previous ping is cut (a machine gone
 * without a word never closes its socket). Returns what stops it.
 */
export function heartbeat(ws: WebSocket, ms: number): () => void {
  let alive = true
  ws.on('pong', () => (alive = true))
  const timer = setInterval(() => {
    if (!alive) return ws.terminate()
    alive = false
    if (ws.readyState === ws.OPEN) ws.ping()
  }, ms)
  return () => clearInterval(timer)
}

/** A ws message as bytes, whichever of its three shapes ws delivered it in. */
export function frameBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
