import path from 'node:path'
import { DEFAULT_MAX_BOARD_BYTES, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_RECORD_BYTES } from '@roundtable/shared'
import { parseDatabaseUrl } from './storage/postgres/url.ts'

export interface ServerConfig {
  port: number
  host: string
  dataDir: string
  tldrawLicenseKey: string | undefined
  /** Largest WebSocket frame accepted; a larger one closes that connection (1009). */
  maxFrameBytes: number
  /** How long a board stays in memory after its last connection leaves. */
  roomIdleMs: number
  /** Compact a board's update log into one state after this many appended updates. */
  compactAfterUpdates: number
  /** A loaded board nobody has edited for this long is kept encoded rather than decoded (0: never). */
  docIdleMs: number
  logLevel: string
  /** An automatic snapshot this long after a board's first change since the last one. */
  autoSnapshotMs: number
  /** Automatic snapshots kept per board (the newest); named ones are never dropped. */
  autoSnapshotsKept: number
  /** Snapshots people keep per board (named, and those saved before a restore); more are refused. */
  maxNamedSnapshots: number
  /** When set, every HTTP and WebSocket request must present it (header, query or cookie). */
  accessToken: string | undefined
  /** Token bucket per connection: sustained messages per second and burst. */
  maxMessagesPerSecond: number
  messageBurst: number
  maxConnectionsPerBoard: number
  maxConnectionsPerIp: number
  /** Largest encoded board state; an update that would exceed it is refused. */
  maxBoardBytes: number
  /** Largest record in an update (recordSize); see DEFAULT_MAX_RECORD_BYTES. */
  maxRecordBytes: number
  /** Send every connection a message that changes nothing this often (0: never). */
  keepaliveMs: number
  /** Awareness client ids one connection may hold presence for. */
  maxPresenceClientsPerConnection: number
  /** Largest presence state of one awareness client id, in bytes. */
  maxPresenceStateBytes: number
  /** Boards held in memory; beyond it the least recently used idle board is unloaded. */
  maxBoardsLoaded: number
  /** Folder of the built client; unset serves only the API and sync socket. */
  clientDist: string | undefined
  /** PostgreSQL for every store instead of SQLite under DATA_DIR (validated here, never logged). */
  databaseUrl: string | undefined
  /** Several processes on one DATABASE_URL (ignored without it). */
  cluster: ClusterConfig
  /** `Strict-Transport-Security` max-age in seconds, for deployments on TLS (undefined: no header). */
  hstsMaxAgeSeconds: number | undefined
  /** Origins besides the server's own whose pages may open the sync socket (`ALLOWED_ORIGINS`). */
  allowedOrigins: string[]
  /** New WebSocket upgrades per remote address per second (bursts of ten times as many); more get 429. */
  maxUpgradesPerIpPerSecond: number
  /** HTTP API requests per remote address per second (bursts of ten times as many); more get 429. */
  maxApiRequestsPerIpPerSecond: number
  /** Exports (board, snapshot or actions) built at once by this process; more get 503. */
  maxConcurrentExports: number
  /** Settings that work but are probably not what was meant; logged at start-up. */
  warnings?: string[]
}

export interface ClusterConfig {
  /** host:port other processes reach this one at to relay connections (default HOST:PORT). */
  address: string | undefined
  /** Authenticates relayed connections between processes (default: derived from the server secret kept in the database). */
  secret: string | undefined
  /** How long a board stays owned by a process that stopped renewing (it stalled); a dead one loses its boards at once. */
  leaseMs: number
  /** Tests only: SIGUSR2 blocks the event loop this long (0: off, the default; never set it in production). */
  testStallMs: number
}

export class ConfigError extends Error {}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  // Digits only: Number() would also take "0x1F90", "1e3" or " 80 ", which nobody means.
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number written in digits, from ${min} to ${max}; got "${raw}"`)
  }
  return value
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** A token this short could be guessed; it still works, with a warning. */
const MIN_ACCESS_TOKEN_LENGTH = 16

export function defaultClientDist(): string {
  return path.resolve(import.meta.dirname, '../../client/dist')
}

function databaseUrlFromEnv(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  try {
    parseDatabaseUrl(raw)
  } catch (err) {
    // Its message names DATABASE_URL and says what is wrong, without the password.
    throw new ConfigError((err as Error).message)
  }
  return raw
}

function clusterAddressFromEnv(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  // host:port, the host a name, an IPv4 address or a bracketed IPv6 one.
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(raw)
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new ConfigError(`CLUSTER_ADDRESS must be host:port (e.g. 10.0.0.5:8080), where other processes reach this one; got "${raw}"`)
  }
  return raw
}

function clusterSecretFromEnv(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  if (raw.length < 16) throw new ConfigError('CLUSTER_SECRET must be at least 16 characters (use a long random one)')
  return raw
}

function allowedOriginsFromEnv(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw.split(',').map((entry) => {
    const origin = entry.trim()
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {
      parsed = undefined
    }
    // Compared as browsers send Origin: scheme://host[:port], nothing more.
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`ALLOWED_ORIGINS must be a comma-separated list of origins such as https://board.example.org; got "${origin}"`)
    }
    return origin
  })
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const warnings: string[] = []
  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`)
  if (env.ACCESS_TOKEN === '') warnings.push('ACCESS_TOKEN is set but empty, so it is ignored: the access gate is off')
  else if (env.ACCESS_TOKEN !== undefined && env.ACCESS_TOKEN.length < MIN_ACCESS_TOKEN_LENGTH) {
    warnings.push(`ACCESS_TOKEN is shorter than ${MIN_ACCESS_TOKEN_LENGTH} characters and could be guessed; use a long random one`)
  }
  return {
    port: intFromEnv(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    tldrawLicenseKey: env.TLDRAW_LICENSE_KEY || undefined,
    maxFrameBytes: intFromEnv(env, 'MAX_FRAME_BYTES', DEFAULT_MAX_FRAME_BYTES, 1024, 512 * 1024 * 1024),
    roomIdleMs: intFromEnv(env, 'ROOM_IDLE_MS', 30_000, 0, 24 * 3600_000),
    compactAfterUpdates: intFromEnv(env, 'COMPACT_AFTER_UPDATES', 500, 1, 10_000_000),
    docIdleMs: intFromEnv(env, 'DOC_IDLE_MS', 10_000, 0, 24 * 3600_000),
    logLevel,
    autoSnapshotMs: intFromEnv(env, 'AUTO_SNAPSHOT_MS', 10 * 60_000, 1000, 24 * 3600_000),
    autoSnapshotsKept: intFromEnv(env, 'AUTO_SNAPSHOTS_KEPT', 100, 1, 1_000_000),
    maxNamedSnapshots: intFromEnv(env, 'MAX_NAMED_SNAPSHOTS', 200, 1, 1_000_000),
    accessToken: env.ACCESS_TOKEN || undefined,
    maxMessagesPerSecond: intFromEnv(env, 'MAX_MESSAGES_PER_SECOND', 200, 1, 1_000_000),
    messageBurst: intFromEnv(env, 'MESSAGE_BURST', 1000, 1, 10_000_000),
    maxConnectionsPerBoard: intFromEnv(env, 'MAX_CONNECTIONS_PER_BOARD', 200, 1, 1_000_000),
    maxConnectionsPerIp: intFromEnv(env, 'MAX_CONNECTIONS_PER_IP', 256, 1, 1_000_000),
    maxBoardBytes: intFromEnv(env, 'MAX_BOARD_BYTES', DEFAULT_MAX_BOARD_BYTES, 1024, 2 ** 31),
    maxRecordBytes: intFromEnv(env, 'MAX_RECORD_BYTES', DEFAULT_MAX_RECORD_BYTES, 1024, 2 ** 31),
    maxBoardsLoaded: intFromEnv(env, 'MAX_BOARDS_LOADED', 1000, 1, 1_000_000),
    // Stock y-websocket clients give up on a connection after 30 s without a message.
    keepaliveMs: intFromEnv(env, 'KEEPALIVE_MS', 15_000, 0, 25_000),
    maxPresenceClientsPerConnection: intFromEnv(env, 'MAX_PRESENCE_CLIENTS_PER_CONNECTION', 4, 1, 1000),
    // tldraw's presence lists the selected shape ids: selecting a thousand notes is ~30 kB.
    maxPresenceStateBytes: intFromEnv(env, 'MAX_PRESENCE_STATE_BYTES', 64 * 1024, 256, 512 * 1024 * 1024),
    clientDist: env.CLIENT_DIST ? path.resolve(env.CLIENT_DIST) : defaultClientDist(),
    databaseUrl: databaseUrlFromEnv(env.DATABASE_URL),
    cluster: {
      address: clusterAddressFromEnv(env.CLUSTER_ADDRESS),
      secret: clusterSecretFromEnv(env.CLUSTER_SECRET),
      leaseMs: intFromEnv(env, 'CLUSTER_LEASE_MS', 10_000, 1000, 600_000),
      testStallMs: intFromEnv(env, 'ROUNDTABLE_TEST_STALL_MS', 0, 0, 600_000),
    },
    hstsMaxAgeSeconds: env.HSTS_MAX_AGE ? intFromEnv(env, 'HSTS_MAX_AGE', 0, 1, 2 * 365 * 24 * 3600) : undefined,
    allowedOrigins: allowedOriginsFromEnv(env.ALLOWED_ORIGINS),
    maxUpgradesPerIpPerSecond: intFromEnv(env, 'MAX_UPGRADES_PER_IP_PER_SECOND', 50, 1, 1_000_000),
    maxApiRequestsPerIpPerSecond: intFromEnv(env, 'MAX_API_REQUESTS_PER_IP_PER_SECOND', 50, 1, 1_000_000),
    maxConcurrentExports: intFromEnv(env, 'MAX_CONCURRENT_EXPORTS', 2, 1, 1000),
    warnings,
  }
}
