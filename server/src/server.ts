import http from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket, type RawData } from 'ws'
import { CloseCode, SYNC_PATH, isValidBoardId } from '@roundtable/shared'
import type { ServerConfig } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { createRequestHandler } from './http.ts'
import { Rooms } from './rooms.ts'
import { SqliteStorage } from './storage/sqliteStorage.ts'
import type { BoardStorage } from './storage/storage.ts'
import { InProcessFanout, type Fanout } from './fanout.ts'
import { SqliteBallotStore, type BallotStore } from './roundtable/ballots.ts'
import { RoundtableService } from './roundtable/service.ts'

const HEARTBEAT_MS = 30_000
const SHUTDOWN_GRACE_MS = 1_000

export interface RoundtableServer {
  /** The URL people open, e.g. http://127.0.0.1:8080 */
  url: string
  port: number
  rooms: Rooms
  /** Stop accepting, close every socket with "restarting", compact, close storage. */
  close(): Promise<void>
}

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const reason = http.STATUS_CODES[status] ?? 'Error'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
  )
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}

export async function startServer(
  config: ServerConfig,
  deps: { logger?: Logger; storage?: BoardStorage; fanout?: Fanout; ballots?: BallotStore } = {},
): Promise<RoundtableServer> {
  const log = deps.logger ?? createLogger(config.logLevel)
  const storage = deps.storage ?? new SqliteStorage(config.dataDir)
  const fanout = deps.fanout ?? new InProcessFanout()
  const ballots = deps.ballots ?? new SqliteBallotStore(config.dataDir)
  const roundtable = new RoundtableService(ballots, log)
  const rooms = new Rooms(storage, fanout, log, { ...config, onRoundtable: roundtable.handle })
  const httpServer = http.createServer(createRequestHandler(config, { storage, rooms }))
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes })
  let nextConnId = 1

  httpServer.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    if (!pathname.startsWith(`${SYNC_PATH}/`)) return refuseUpgrade(socket, 404, `Nothing to upgrade at ${pathname}\n`)
    const boardId = decodeURIComponent(pathname.slice(SYNC_PATH.length + 1))
    // Checked before anything touches storage, so a bad id never reaches the file system.
    if (!isValidBoardId(boardId)) {
      return refuseUpgrade(socket, 400, 'Invalid board id: expected 16-64 characters of A-Z, a-z, 0-9, _ or -\n')
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, boardId))
  })

  function onConnection(ws: WebSocket, boardId: string) {
    const connId = nextConnId++
    const clog = log.child({ boardId, connId })
    let room
    try {
      room = rooms.open(boardId)
    } catch (err) {
      clog.error({ err }, 'could not load board')
      ws.close(CloseCode.storageFailed, 'could not load board')
      return
    }
    let alive = true
    ws.on('pong', () => (alive = true))
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate()
      alive = false
      ws.ping()
    }, HEARTBEAT_MS)

    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        clog.warn('closing connection: text frame on a binary protocol')
        return ws.close(CloseCode.malformed, 'expected binary frames')
      }
      try {
        room.handleMessage(ws, toBytes(data))
      } catch (err) {
        clog.warn({ reason: (err as Error).message }, 'closing connection: malformed message')
        ws.close(CloseCode.malformed, 'malformed message')
      }
    })
    ws.on('error', (err) => {
      // ws reports oversized frames here and closes with 1009 itself.
      clog.warn({ reason: err.message }, 'connection error')
    })
    ws.on('close', (code) => {
      clearInterval(heartbeat)
      room.leave(ws)
      clog.debug({ code }, 'connection closed')
    })
    room.join(ws)
    clog.debug('connection opened')
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const address = httpServer.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`

  let closing: Promise<void> | undefined
  function close() {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      // Everything in memory is already on disk (appended before broadcast); compacting on the
      // way out makes the next start load one state per board.
      // Anonymous notes waiting for the rest of the group are published, not dropped.
      roundtable.flushAll()
      rooms.shutdown(CloseCode.restarting, 'server restarting')
      // Let the close frames reach clients so they know to reconnect soon, then cut stragglers.
      const deadline = Date.now() + SHUTDOWN_GRACE_MS
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      for (const ws of wss.clients) ws.terminate()
      httpServer.closeAllConnections()
      storage.close()
      ballots.close()
      await stopped
    })()
    return closing
  }

  return { url, port, rooms, close }
}
