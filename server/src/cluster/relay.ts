import crypto from 'node:crypto'
import WebSocket, { type RawData } from 'ws'
import { CloseCode } from '@roundtable/shared'
import type { Logger } from '../logger.ts'

/** Where a process takes the connections other processes relay to it: `/internal/relay/<boardId>[?view=1]`. */
export const RELAY_PATH = '/internal/relay'
/** The header a relaying process presents the cluster secret in. */
export const CLUSTER_SECRET_HEADER = 'x-roundtable-cluster-secret'
/** Why a relayed connection is closed when the owner went away: its client reconnects and finds the new owner. */
export const OWNER_GONE = 'the server holding this board went away; reconnect'

/** An owner that does not answer a ping within this long is cut (a machine gone without a word). */
const RELAY_HEARTBEAT_MS = 30_000

/**
 * The secret processes on one database relay connections with: CLUSTER_SECRET when an operator
 * sets one, otherwise derived from the server secret every process reads from the database.
 */
export function clusterSecret(configured: string | undefined, serverSecret: Buffer): string {
  return configured ?? crypto.createHmac('sha256', serverSecret).update('roundtable cluster relay').digest('base64url')
}

/** Compared in constant time (hashed first, so lengths do not leak either). */
export function presentsClusterSecret(presented: string | string[] | undefined, secret: string): boolean {
  if (typeof presented !== 'string') return false
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest()
  return crypto.timingSafeEqual(digest(presented), digest(secret))
}

/** Close codes a client may be sent; the others (1005, 1006: no close frame) become "reconnect". */
function sendableCode(code: number): boolean {
  return (code >= 3000 && code <= 4999) || [1000, 1001, 1008, 1009, 1011, 1012, 1013].includes(code)
}

export interface Relay {
  /** A frame from the client, sent on once the owner's socket is open. */
  send(frame: Uint8Array): void
  /** The client left. */
  close(): void
}

/**
 * Carries one client's connection to the process that owns its board, frame for frame in both
 * directions: the sync protocol is untouched, and every per-board rule runs at the owner. The
 * owner's close code reaches the client; the owner going away closes the client with 1012, and
 * its reconnect (through any process) finds the board's new owner.
 */
export function relayToOwner(
  client: WebSocket,
  opts: { address: string; boardId: string; readOnly: boolean; secret: string; maxPayload: number; log: Logger },
): Relay {
  const url = `ws://${opts.address}${RELAY_PATH}/${encodeURIComponent(opts.boardId)}${opts.readOnly ? '?view=1' : ''}`
  const upstream = new WebSocket(url, {
    headers: { [CLUSTER_SECRET_HEADER]: opts.secret },
    perMessageDeflate: false,
    maxPayload: opts.maxPayload,
  })
  let waiting: Uint8Array[] | undefined = []
  let alive = true

  const closeClient = (code: number, reason: string) => {
    if (client.readyState === WebSocket.OPEN || client.readyState === WebSocket.CONNECTING) {
      client.close(sendableCode(code) ? code : CloseCode.restarting, sendableCode(code) ? reason : OWNER_GONE)
    }
  }
  const heartbeat = setInterval(() => {
    if (!alive) return upstream.terminate()
    alive = false
    if (upstream.readyState === WebSocket.OPEN) upstream.ping()
  }, RELAY_HEARTBEAT_MS)
  upstream.on('pong', () => (alive = true))
  upstream.on('open', () => {
    for (const frame of waiting ?? []) upstream.send(frame)
    waiting = undefined
  })
  upstream.on('message', (data: RawData, isBinary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary })
  })
  upstream.on('error', (err) =>
    opts.log.warn({ boardId: opts.boardId, owner: opts.address, reason: err.message }, 'relay to the board’s owner failed'),
  )
  upstream.on('close', (code, reason) => {
    clearInterval(heartbeat)
    closeClient(code, reason.toString())
  })

  return {
    send(frame) {
      if (waiting) waiting.push(frame)
      else if (upstream.readyState === WebSocket.OPEN) upstream.send(frame)
    },
    close() {
      clearInterval(heartbeat)
      if (upstream.readyState === WebSocket.OPEN) upstream.close(1000)
      else upstream.terminate()
    },
  }
}
