import http from 'node:http'
import { CloseCode } from '@roundtable/shared'
import type { ServerConfig } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { createRequestHandler } from './http/handler.ts'
import { createApi } from './http/api.ts'
import { Rooms } from './sync/rooms.ts'
import { createSocketServer } from './sync/socketServer.ts'
import { openStores } from './storage/stores.ts'
import type { BoardStorage } from './storage/boards.ts'
import type { SnapshotStorage } from './storage/snapshots.ts'
import type { BallotStore } from './storage/ballots.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { BoardSnapshots } from './snapshots/service.ts'
import { SecretVotes } from './privacy/votes.ts'
import { SilentRounds } from './privacy/rounds.ts'
import { AutoSnapshots } from './snapshots/autoSnapshots.ts'
import { clusterSecret } from './cluster/relay.ts'
import { stallOnSignal } from './cluster/testStall.ts'

const SHUTDOWN_GRACE_MS = 1_000

export interface RoundtableServer {
  /** The URL people open, e.g. http://127.0.0.1:8080 */
  url: string
  port: number
  rooms: Rooms
  metrics: Metrics
  /** Stop accepting, close every socket with "restarting", compact, close storage. */
  close(): Promise<void>
}

/**
 * The composition root: config and stores in, the HTTP server with its sync socket out. Features
 * plug into rooms as extensions; nothing below knows which features exist.
 */
export async function startServer(
  config: ServerConfig,
  deps: { logger?: Logger; storage?: BoardStorage; snapshots?: SnapshotStorage; ballots?: BallotStore } = {},
): Promise<RoundtableServer> {
  const log = deps.logger ?? createLogger(config.logLevel)
  const metrics = createMetrics()
  const stores = await openStores(config, log, metrics, { boards: deps.storage, snapshots: deps.snapshots, ballots: deps.ballots })
  const { boards: storage, snapshots, ballots, secret, ownership } = stores
  log.info({ stores: stores.where }, `storing boards with ${stores.where}`)
  // Order matters on the way out: anonymous notes are published before the last automatic snapshot.
  const autoSnapshots = new AutoSnapshots(snapshots, log, config)
  const rooms = new Rooms(storage, log, metrics, config, [new SecretVotes(ballots), new SilentRounds(), autoSnapshots], ownership)

  const relaySecret = ownership ? clusterSecret(config.cluster.secret, secret) : undefined
  const api = createApi({
    snapshots: new BoardSnapshots(storage, snapshots, rooms, log, config),
    storage,
    secret,
    log,
    clusterSecret: relaySecret,
    maxConcurrentExports: config.maxConcurrentExports,
  })
  const httpServer = http.createServer(
    // A client that trickles its headers (or body) in is cut off instead of holding a socket
    // forever; checked every second rather than Node's default 30 s.
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
    createRequestHandler(config, { storage, rooms, metrics, api, log }),
  )
  const sockets = createSocketServer(config, { rooms, storage, metrics, log, clusterSecret: relaySecret })
  httpServer.on('upgrade', sockets.onUpgrade)

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  log.info(
    { accessGate: config.accessToken !== undefined },
    config.accessToken !== undefined
      ? 'access gate on: every request but /healthz must present ACCESS_TOKEN'
      : 'access gate off: anyone who can reach this address can open any board whose link they have',
  )
  const address = httpServer.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`
  if (ownership) {
    // Where the other processes relay connections to this one's boards.
    const advertised = config.cluster.address ?? `${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : urlHost}:${port}`
    await ownership.start(advertised)
    log.info({ address: advertised }, `sharing boards with the other processes on the database; relayed to at ${advertised}`)
  }
  if (config.cluster.testStallMs > 0) stallOnSignal(config.cluster.testStallMs, log)

  let closing: Promise<void> | undefined
  function close() {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      // Everything in memory is already on disk (appended before broadcast); compacting on the
      // way out makes the next start load one state per board.
      const unloaded = rooms.shutdown(CloseCode.restarting, 'server restarting')
      // Let the close frames reach clients so they know to reconnect soon, then cut stragglers.
      const deadline = Date.now() + SHUTDOWN_GRACE_MS
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      sockets.terminateAll()
      httpServer.closeAllConnections()
      await unloaded
      await stores.close()
      await stopped
    })()
    return closing
  }

  return { url, port, rooms, metrics, close }
}
