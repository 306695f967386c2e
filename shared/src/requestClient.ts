import * as decoding from 'lib0/decoding'
import { encodeRequest, MESSAGE_REQUEST, readRequestPayload, type RequestReply } from './request.ts'
import type { RequestErrorCode, RequestOp, RequestOps } from './privacy/protocol.ts'

/** The parts of y-websocket's WebsocketProvider that requests ride on. */
export interface ProviderLike {
  messageHandlers: unknown[]
  ws: { send(data: Uint8Array): void; readyState: number } | null
  wsconnected: boolean
}

export class RequestError extends Error {
  constructor(
    message: string,
    readonly code?: RequestErrorCode,
  ) {
    super(message)
  }
}

export interface RequestClient {
  request<K extends RequestOp>(op: K, args: RequestOps[K]['args']): Promise<RequestOps[K]['result']>
  dispose(): void
}

interface Pending {
  resolve(v: unknown): void
  reject(e: Error): void
  timer: ReturnType<typeof setTimeout>
}

/**
 * A provider has one handler slot per message type, so every client on a provider shares one
 * channel: one reply handler and one id sequence (two handlers would steal each other's replies).
 */
interface Channel {
  nextId: number
  pending: Map<number, Pending>
  users: number
}
const channels = new WeakMap<ProviderLike, Channel>()

function openChannel(provider: ProviderLike): Channel {
  let channel = channels.get(provider)
  if (!channel) {
    const created: Channel = { nextId: 1, pending: new Map(), users: 0 }
    provider.messageHandlers[MESSAGE_REQUEST] = (_encoder: unknown, decoder: decoding.Decoder) => {
      const reply = readRequestPayload(decoder) as RequestReply
      const waiting = created.pending.get(reply.id)
      if (!waiting) return
      created.pending.delete(reply.id)
      clearTimeout(waiting.timer)
      if (reply.ok) waiting.resolve(reply.result)
      else waiting.reject(new RequestError(reply.error, reply.code))
    }
    channels.set(provider, (channel = created))
  }
  channel.users++
  return channel
}

/**
 * Sends requests over a y-websocket provider's socket and resolves with the server's
 * reply (rejects with RequestError carrying the server's message when it refuses).
 */
export function requestClient(provider: ProviderLike, timeoutMs = 10_000): RequestClient {
  const channel = openChannel(provider)
  const mine = new Set<number>()
  let disposed = false
  return {
    request(op, args) {
      const ws = provider.ws
      if (disposed) return Promise.reject(new RequestError('closed'))
      if (!ws || !provider.wsconnected) return Promise.reject(new RequestError('not connected to the server'))
      const id = channel.nextId++
      return new Promise((resolve, reject) => {
        const settle = () => mine.delete(id)
        const timer = setTimeout(() => {
          channel.pending.delete(id)
          settle()
          reject(new RequestError('the server did not answer in time'))
        }, timeoutMs)
        channel.pending.set(id, {
          resolve: (v) => (settle(), resolve(v as never)),
          reject: (e) => (settle(), reject(e)),
          timer,
        })
        mine.add(id)
        ws.send(encodeRequest({ id, op, ...args }))
      })
    },
    dispose() {
      if (disposed) return
      disposed = true
      for (const id of mine) {
        const waiting = channel.pending.get(id)
        if (!waiting) continue
        channel.pending.delete(id)
        clearTimeout(waiting.timer)
        waiting.reject(new RequestError('closed'))
      }
      mine.clear()
      if (--channel.users === 0) {
        channels.delete(provider)
        delete provider.messageHandlers[MESSAGE_REQUEST]
      }
    },
  }
}
