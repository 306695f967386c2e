import http from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { boardTag, CloseCode, SYNC_PATH, VIEW_SYNC_PATH, isValidBoardId, newTokenBucket, takeToken } from '@roundtable/shared'
import type { ServerConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import type { BoardStorage } from '../storage/boards.ts'
import { accessAllowed, presentedAccessToken, VIEW_TOKEN_PATTERN } from '../access.ts'
import { parseRequestUrl } from '../http/handler.ts'
import { PerAddressLimiter } from '../http/rateLimit.ts'
import { frameBytes, heartbeat, wsConnection } from './connection.ts'
import { redactPath } from '../boardTag.ts'
import { EMPTY_AWARENESS_MESSAGE } from './messages.ts'
import { RefusedError } from './errors.ts'
import { BOARD_MOVED, BoardsFullError, type Rooms } from './rooms.ts'
import type { Room } from './room.ts'
import { OwnedElsewhereError } from '../cluster/ownedElsewhere.ts'
import { CLUSTER_SECRET_HEADER, presentsClusterSecret, RELAY_PATH, RelayLinks, type Relay } from '../cluster/relay.ts'
import { acceptBoardLink, type JoinBoard } from '../cluster/linkEnd.ts'

/** A socket that does not answer a ping within this long is cut. */
const HEARTBEAT_MS = 30_000

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const reason = http.STATUS_CODES[status] ?? 'Error'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
  )
}

/**
 * Whether a browser page at `Origin` may open the sync socket: pages of this server (the Host they
 * asked for, over http or https, as a TLS proxy may sit in front) and those of ALLOWED_ORIGINS.
 * Stock Node clients send no Origin and pass: the check stops another site's page from using a
 * visitor's ACCESS_TOKEN cookie (cross-site WebSocket hijacking), which a Node client has no part in.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true
  if (allowed.includes(origin)) return true
  if (!host) return false
  return origin === `http://${host}` || origin === `https://${host}`
}

/**
 * The sync socket's front door: upgrades `/sync/<boardId>` and `/sync/view/<token>`, enforces
 * the per-address, per-board and per-connection limits, keeps connections alive, and hands
 * each frame to the board's room. A frame the room cannot read or refuses closes only its own
 * connection.
 */
export function createSocketServer(
  config: ServerConfig,
  deps: {
    rooms: Rooms
    storage: BoardStorage
    metrics: Metrics
    log: Logger
    /** Set when several processes share the database: connections to boards owned elsewhere are relayed there. */
    clusterSecret?: string
  },
) {
  const { rooms, storage, metrics, log, clusterSecret } = deps
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes })
  // Board links from other processes: a client's frame plus the link's header.
  const linkServer = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes + 64 })
  // The owner answers a newcomer with the whole board, which may be larger than any client frame.
  const fromOwnerBytes = Math.max(config.maxFrameBytes, config.maxBoardBytes) + 1024
  const links = clusterSecret === undefined ? undefined : new RelayLinks({ secret: clusterSecret, maxPayload: fromOwnerBytes, log })
  const connectionsPerIp = new Map<string, number>()
  let nextConnId = 1
  const upgradesPerIp = new PerAddressLimiter(config.maxUpgradesPerIpPerSecond)

  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
    const url = parseRequestUrl(req.url)
    if (url === undefined) return refuseUpgrade(socket, 400, 'Malformed request target\n')
    const { pathname } = url
    // Another process relaying a connection to a board this one owns: the cluster secret stands
    // in for ACCESS_TOKEN (the relaying process checked it), and the limits were applied there.
    if (clusterSecret !== undefined && pathname.startsWith(`${RELAY_PATH}/`)) {
      if (!presentsClusterSecret(req.headers[CLUSTER_SECRET_HEADER], clusterSecret)) {
        metrics.limitRejections.inc({ limit: 'cluster_secret' })
        return refuseUpgrade(socket, 403, 'Relaying needs the cluster secret\n')
      }
      const boardId = pathname.slice(RELAY_PATH.length + 1)
      if (!isValidBoardId(boardId)) return refuseUpgrade(socket, 400, 'Invalid board id\n')
      return linkServer.handleUpgrade(req, socket, head, (ws) =>
        acceptBoardLink(ws, boardId, { join: joinBoard, metrics, log, heartbeatMs: HEARTBEAT_MS }),
      )
    }
    // Reconnect storms and scans: cheap to refuse here, before any storage or board is touched.
    if (!upgradesPerIp.take(req.socket.remoteAddress ?? 'unknown')) {
      metrics.limitRejections.inc({ limit: 'upgrades_per_ip' })
      return refuseUpgrade(socket, 429, 'Too many new connections from your address; try again in a second\n')
    }
    if (!originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      metrics.limitRejections.inc({ limit: 'origin' })
      return refuseUpgrade(socket, 403, 'This page may not connect here: its origin is neither this server nor in ALLOWED_ORIGINS\n')
    }
    if (!accessAllowed(config.accessToken, presentedAccessToken(req, url).token)) {
      metrics.limitRejections.inc({ limit: 'access_token' })
      return refuseUpgrade(socket, 401, 'This server requires an access token\n')
    }
    if (pathname.startsWith(`${VIEW_SYNC_PATH}/`)) {
      const token = pathname.slice(VIEW_SYNC_PATH.length + 1)
      if (!VIEW_TOKEN_PATTERN.test(token)) return refuseUpgrade(socket, 400, 'Invalid view link\n')
      Promise.resolve()
        .then(() => storage.boardForViewToken(token))
        .then(
          (boardId) => {
            if (!boardId) return refuseUpgrade(socket, 404, 'No board has this view link\n')
            wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, boardId, true))
          },
          () => refuseUpgrade(socket, 503, 'Storage is unavailable\n'),
        )
      return
    }
    if (!pathname.startsWith(`${SYNC_PATH}/`)) return refuseUpgrade(socket, 404, `Nothing to upgrade at ${pathname}\n`)
    let boardId: string
    try {
      boardId = decodeURIComponent(pathname.slice(SYNC_PATH.length + 1))
    } catch {
      return refuseUpgrade(socket, 400, 'Invalid board id: malformed percent-encoding\n')
    }
    // Checked before anything touches storage, so a bad id never reaches the file system.
    if (!isValidBoardId(boardId)) {
      return refuseUpgrade(socket, 400, 'Invalid board id: expected 16-64 characters of A-Z, a-z, 0-9, _ or -\n')
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, boardId, false))
  }

  /**
   * Puts a connection on its board: loads the board (frames that arrive meanwhile wait, in
   * order), then hands each frame to the room. A frame the room cannot read or refuses closes
   * only this connection. When another process owns the board, `elsewhere` gets its address and
   * the frames that waited.
   */
  const joinBoard: JoinBoard = (conn, target, clog, refuse, elsewhere) => {
    /** Set once the board is loaded and the connection has joined it. */
    let room: Room | undefined
    /** Frames that arrive while the board loads. */
    let early: Uint8Array[] | undefined = []
    let left = false
    const handle = (bytes: Uint8Array) => {
      try {
        room!.handleMessage(conn, bytes)
      } catch (err) {
        if (err instanceof RefusedError) return refuse(err.code, err.limit, err.message)
        metrics.errors.inc({ kind: 'malformed' })
        clog.warn({ reason: (err as Error).message }, 'closing connection: malformed message')
        conn.close(CloseCode.malformed, 'malformed message')
      }
    }
    rooms.open(target.boardId).then(
      (opened) => {
        if (left || !conn.isOpen) return rooms.release(opened)
        if (opened.connectionCount >= config.maxConnectionsPerBoard) {
          rooms.release(opened)
          return refuse(CloseCode.boardFull, 'connections_per_board', 'too many people on this board')
        }
        room = opened
        room.join(conn, { readOnly: target.readOnly, refuse: (err) => refuse(err.code, err.limit, err.message) })
        clog.debug('connection opened')
        const frames = early!
        early = undefined
        for (const bytes of frames) if (conn.isOpen) handle(bytes)
      },
      (err: unknown) => {
        if (left || !conn.isOpen) return
        if (err instanceof OwnedElsewhereError) {
          const frames = early!
          early = undefined
          return elsewhere(err.address, frames)
        }
        if (err instanceof BoardsFullError) return refuse(CloseCode.serverBusy, 'boards_loaded', 'server busy: too many boards open')
        metrics.errors.inc({ kind: 'load' })
        clog.error({ err }, 'could not load board')
        conn.close(CloseCode.storageFailed, 'could not load board')
      },
    )
    return {
      receive(bytes: Uint8Array) {
        // Bounded by the token bucket (or, relayed, the relaying process's): at most a burst waits.
        if (early) early.push(bytes)
        else if (room) handle(bytes)
      },
      keepAlive: () => room?.keepAlive(conn),
      leave() {
        left = true
        room?.leave(conn)
      },
    }
  }

  function onConnection(ws: WebSocket, req: http.IncomingMessage, boardId: string, readOnly: boolean) {
    const connId = nextConnId++
    const clog = log.child({ board: boardTag(boardId), connId, ...(readOnly ? { viewOnly: true } : {}) })
    const refuse = (code: number, limit: string, reason: string) => {
      metrics.limitRejections.inc({ limit })
      clog.warn({ limit, code, reason }, 'closing connection: limit exceeded')
      ws.close(code, reason)
    }

    const ip = req.socket.remoteAddress ?? 'unknown'
    const fromIp = connectionsPerIp.get(ip) ?? 0
    if (fromIp >= config.maxConnectionsPerIp) {
      return refuse(CloseCode.tooManyFromAddress, 'connections_per_ip', 'too many connections from your address')
    }
    connectionsPerIp.set(ip, fromIp + 1)
    const access = readOnly ? 'view' : 'edit'
    metrics.connections.inc({ access })
    const conn = wsConnection(ws, req.socket)
    /** Set when another process owns the board: frames go there. */
    let relay: Relay | undefined
    const session = joinBoard(conn, { boardId, readOnly }, clog, refuse, (address, waited) => {
      if (!links) return ws.close(CloseCode.restarting, BOARD_MOVED)
      relay = links.relay(ws, { address, boardId, readOnly })
      metrics.relayed.inc()
      clog.debug({ owner: address }, 'relaying the connection to the board’s owner')
      for (const bytes of waited) relay.send(bytes)
    })

    const stopHeartbeat = heartbeat(ws, HEARTBEAT_MS)
    // Stock y-websocket clients drop a connection that received nothing for 30 s, and ws pings
    // do not count: someone alone on a board would reconnect (and the board be decoded again)
    // every 30 s. An empty awareness update is a message they read and ignore.
    const keepalive =
      config.keepaliveMs > 0
        ? setInterval(() => {
            if (relay) ws.send(EMPTY_AWARENESS_MESSAGE)
            else session.keepAlive()
          }, config.keepaliveMs)
        : undefined
    const bucket = newTokenBucket(config.messageBurst, performance.now())

    ws.on('message', (data, isBinary) => {
      const bytes = frameBytes(data)
      metrics.messagesIn.inc()
      metrics.bytesIn.inc(bytes.length)
      if (ws.readyState !== ws.OPEN) return
      if (!takeToken(bucket, config.maxMessagesPerSecond, config.messageBurst, performance.now())) {
        return refuse(CloseCode.rateLimited, 'messages_per_second', 'too many messages; slow down')
      }
      if (!isBinary) {
        metrics.errors.inc({ kind: 'malformed' })
        clog.warn('closing connection: text frame on a binary protocol')
        return ws.close(CloseCode.malformed, 'expected binary frames')
      }
      if (relay) relay.send(bytes)
      else session.receive(bytes)
    })
    ws.on('error', (err) => {
      // ws reports oversized frames here and closes with 1009 itself.
      if (/max payload/i.test(err.message)) metrics.limitRejections.inc({ limit: 'frame_bytes' })
      clog.warn({ reason: err.message }, 'connection error')
    })
    ws.on('close', (code) => {
      stopHeartbeat()
      clearInterval(keepalive)
      metrics.connections.dec({ access })
      const left = (connectionsPerIp.get(ip) ?? 1) - 1
      if (left > 0) connectionsPerIp.set(ip, left)
      else connectionsPerIp.delete(ip)
      session.leave()
      if (relay) {
        relay.close()
        metrics.relayed.dec()
      }
      clog.debug({ code }, 'connection closed')
    })
  }

  return {
    /** The HTTP server's 'upgrade' listener. */
    onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
      // The socket is ours from here: its errors (a reset mid-handshake) would otherwise be thrown.
      socket.on('error', () => socket.destroy())
      try {
        upgrade(req, socket, head)
      } catch (err) {
        // One bad request must never take the process (and every board) down.
        metrics.errors.inc({ kind: 'request' })
        log.error({ err, path: redactPath(req.url) }, 'upgrade request failed; answered 400')
        if (socket.writable) refuseUpgrade(socket, 400, 'Bad request\n')
        else socket.destroy()
      }
    },
    /** Open sockets, to wait for after close frames were sent. */
    get size() {
      return wss.clients.size + linkServer.clients.size
    },
    /** Cuts every socket still open. */
    terminateAll() {
      for (const ws of [...wss.clients, ...linkServer.clients]) ws.terminate()
    },
  }
}
