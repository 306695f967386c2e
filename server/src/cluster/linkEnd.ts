import type { WebSocket } from 'ws'
import { boardTag, CloseCode } from '@roundtable/shared'
import { frameBytes, heartbeat, type Connection, type ConnectionGroup } from '../sync/connection.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import { decodeLinkFrame, encodeBroadcast, encodeClose, encodeFrame, LinkFrame } from './linkFrames.ts'
import { BOARD_MOVED } from '../sync/rooms.ts'

/** A connection on its board (sync/socketServer.ts): frames in, and leaving. */
export interface BoardSession {
  receive(bytes: Uint8Array): void
  keepAlive(): void
  leave(): void
}

/** Puts a connection on its board; `elsewhere` is told when another process owns it. */
export type JoinBoard = (
  conn: Connection,
  target: { boardId: string; readOnly: boolean },
  log: Logger,
  refuse: (code: number, limit: string, reason: string) => void,
  elsewhere: (address: string, waited: Uint8Array[]) => void,
) => BoardSession

interface LinkedClient {
  conn: Connection
  session: BoardSession
  open: boolean
}

/**
 * The owner's end of a board link from another process (linkFrames.ts): each client the link
 * carries becomes a connection of the board here, as if it had connected directly, and a
 * message for all of them crosses the link once (the ConnectionGroup). The relaying process
 * applied the per-address, rate and frame limits; every other rule applies here. The link going
 * away (that process died) drops its clients, and with them their presence.
 */
export function acceptBoardLink(
  ws: WebSocket,
  boardId: string,
  deps: { join: JoinBoard; metrics: Metrics; log: Logger; heartbeatMs: number },
) {
  const { metrics, log } = deps
  const clients = new Map<number, LinkedClient>()
  const group: ConnectionGroup = {
    broadcast(message, except) {
      let exceptId = 0
      for (const [id, c] of clients) if (c.conn === except) exceptId = id
      if (ws.readyState === ws.OPEN) ws.send(encodeBroadcast(exceptId, message))
    },
  }
  const drop = (id: number) => {
    const client = clients.get(id)
    if (!client) return
    clients.delete(id)
    client.open = false
    client.session.leave()
    metrics.connections.dec({ access: 'relayed' })
  }
  const open = (id: number, readOnly: boolean) => {
    const clog = log.child({ board: boardTag(boardId), link: id, ...(readOnly ? { viewOnly: true } : {}), relayed: true })
    const close = (code: number, reason: string) => {
      if (!client.open) return
      if (ws.readyState === ws.OPEN) ws.send(encodeClose(id, code, reason))
      drop(id)
    }
    const conn: Connection = {
      get isOpen() {
        return client.open && ws.readyState === ws.OPEN
      },
      group,
      send: (message) => ws.send(encodeFrame(id, message)),
      close,
      ping: (onPong) => {
        if (ws.readyState !== ws.OPEN) return
        ws.once('pong', onPong)
        ws.ping()
      },
      terminate: () => close(CloseCode.restarting, BOARD_MOVED),
    }
    const refuse = (code: number, limit: string, reason: string) => {
      metrics.limitRejections.inc({ limit })
      clog.warn({ limit, code, reason }, 'closing connection: limit exceeded')
      close(code, reason)
    }
    const client: LinkedClient = { conn, open: true, session: undefined! }
    clients.set(id, client)
    metrics.connections.inc({ access: 'relayed' })
    // Never relayed twice: the owner moved meanwhile, and the client's reconnect finds it.
    client.session = deps.join(conn, { boardId, readOnly }, clog, refuse, () => close(CloseCode.restarting, BOARD_MOVED))
  }
  const broken = (reason: string) => {
    log.error({ boardId, reason }, 'closing a board link: it broke the link protocol')
    ws.close(CloseCode.malformed, 'not a link frame')
  }

  ws.on('message', (data) => {
    let frame
    try {
      frame = decodeLinkFrame(frameBytes(data))
    } catch (err) {
      return broken((err as Error).message)
    }
    if (frame.type === LinkFrame.frame) {
      metrics.messagesIn.inc()
      metrics.bytesIn.inc(frame.payload.length)
      clients.get(frame.id)?.session.receive(frame.payload)
    } else if (frame.type === LinkFrame.open) {
      if (clients.has(frame.id)) return broken(`client ${frame.id} joined twice`)
      open(frame.id, frame.readOnly)
    } else if (frame.type === LinkFrame.close) drop(frame.id)
    else broken(`a relaying process sent frame type ${frame.type}`)
  })
  ws.on('error', (err) => log.warn({ boardId, reason: err.message }, 'board link error'))
  // A relaying machine gone without a word: its clients' presence must not linger.
  const stopHeartbeat = heartbeat(ws, deps.heartbeatMs)
  ws.on('close', () => {
    stopHeartbeat()
    for (const id of [...clients.keys()]) drop(id)
  })
}
