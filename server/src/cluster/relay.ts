import crypto from 'node:crypto'
import WebSocket, { type RawData } from 'ws'
import { CloseCode } from '@roundtable/shared'
import type { Logger } from '../logger.ts'
import { heartbeat } from '../sync/connection.ts'
import { decodeLinkFrame, encodeClose, encodeFrame, encodeOpen, LinkFrame } from './linkFrames.ts'

/** Where a process takes the board links other processes relay their clients over: `/internal/relay/<boardId>`. */
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

function closeClient(client: WebSocket, code: number, reason: string) {
  if (client.readyState !== WebSocket.OPEN && client.readyState !== WebSocket.CONNECTING) return
  if (sendableCode(code)) client.close(code, reason)
  else client.close(CloseCode.restarting, OWNER_GONE)
}

export interface Relay {
  /** A frame from the client, sent on once the link to the owner is open. */
  send(frame: Uint8Array): void
  /** The client left. */
  close(): void
}

/**
 * One board's link to its owner: a single internal WebSocket carrying every client of the board
 * this process relays there (see linkFrames.ts). A message the owner sends to everyone crosses
 * it once and is handed to each client here. The owner's close code for a client reaches that
 * client; the owner going away closes them all with 1012, and their reconnects (through any
 * process) find the board's new owner.
 */
class BoardLink {
  private upstream: WebSocket
  private clients = new Map<number, WebSocket>()
  private nextId = 1
  private waiting: Uint8Array[] | undefined = []
  private stopHeartbeat: () => void

  constructor(
    readonly key: string,
    opts: { address: string; boardId: string; secret: string; maxPayload: number; log: Logger },
    private onGone: (link: BoardLink) => void,
  ) {
    const url = `ws://${opts.address}${RELAY_PATH}/${encodeURIComponent(opts.boardId)}`
    this.upstream = new WebSocket(url, {
      headers: { [CLUSTER_SECRET_HEADER]: opts.secret },
      perMessageDeflate: false,
      maxPayload: opts.maxPayload,
    })
    this.stopHeartbeat = heartbeat(this.upstream, RELAY_HEARTBEAT_MS)
    this.upstream.on('open', () => {
      for (const frame of this.waiting ?? []) this.upstream.send(frame)
      this.waiting = undefined
    })
    this.upstream.on('message', (data: RawData) => this.receive(data as Buffer))
    this.upstream.on('error', (err) =>
      opts.log.warn({ boardId: opts.boardId, owner: opts.address, reason: err.message }, 'link to the board’s owner failed'),
    )
    this.upstream.on('close', (code, reason) => {
      this.stopHeartbeat()
      this.onGone(this)
      for (const client of this.clients.values()) closeClient(client, code === 1000 ? CloseCode.restarting : code, reason.toString())
      this.clients.clear()
    })
  }

  private sendUp(frame: Uint8Array) {
    if (this.waiting) this.waiting.push(frame)
    else if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(frame)
  }

  private receive(bytes: Buffer) {
    let frame
    try {
      frame = decodeLinkFrame(bytes)
    } catch {
      return this.upstream.terminate()
    }
    switch (frame.type) {
      case LinkFrame.frame: {
        const client = this.clients.get(frame.id)
        if (client?.readyState === WebSocket.OPEN) client.send(frame.payload)
        return
      }
      case LinkFrame.broadcast:
        for (const [id, client] of this.clients) if (id !== frame.except && client.readyState === WebSocket.OPEN) client.send(frame.payload)
        return
      case LinkFrame.close: {
        const client = this.clients.get(frame.id)
        this.clients.delete(frame.id)
        if (client) closeClient(client, frame.code, frame.reason)
        return
      }
      default:
        return this.upstream.terminate()
    }
  }

  add(client: WebSocket, readOnly: boolean): Relay {
    const id = this.nextId++
    this.clients.set(id, client)
    this.sendUp(encodeOpen(id, readOnly))
    return {
      send: (frame) => {
        if (this.clients.has(id)) this.sendUp(encodeFrame(id, frame))
      },
      close: () => {
        if (!this.clients.delete(id)) return
        this.sendUp(encodeClose(id))
        if (this.clients.size === 0) this.close()
      },
    }
  }

  private close() {
    this.onGone(this)
    this.stopHeartbeat()
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.close(1000)
    else this.upstream.terminate()
  }
}

/** This process's links to the owners of the boards it relays clients of: one per board and owner. */
export class RelayLinks {
  private links = new Map<string, BoardLink>()

  /** `maxPayload`: the largest message the owner may send, a whole board's sync answer included. */
  constructor(private opts: { secret: string; maxPayload: number; log: Logger }) {}

  /** Relays a client of `boardId` to the process at `address`, which owns the board. */
  relay(client: WebSocket, target: { address: string; boardId: string; readOnly: boolean }): Relay {
    const key = `${target.address} ${target.boardId}`
    let link = this.links.get(key)
    if (!link) {
      link = new BoardLink(key, { ...this.opts, address: target.address, boardId: target.boardId }, (gone) => {
        if (this.links.get(gone.key) === gone) this.links.delete(gone.key)
      })
      this.links.set(key, link)
    }
    return link.add(client, target.readOnly)
  }

  get size(): number {
    return this.links.size
  }
}
