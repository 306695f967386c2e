import * as decoding from 'lib0/decoding'
import { encodeRoundtable, MESSAGE_ROUNDTABLE, readRoundtablePayload, type RoundtableOp, type RoundtableOps, type RoundtableReply } from './protocol.ts'

/** The parts of y-websocket's WebsocketProvider that Roundtable requests ride on. */
export interface ProviderLike {
  messageHandlers: unknown[]
  ws: { send(data: Uint8Array): void; readyState: number } | null
  wsconnected: boolean
}

export class RoundtableError extends Error {}

export interface RoundtableClient {
  request<K extends RoundtableOp>(op: K, args: RoundtableOps[K]['args']): Promise<RoundtableOps[K]['result']>
  dispose(): void
}

/**
 * Sends Roundtable requests over a y-websocket provider's socket and resolves with the server's
 * reply (rejects with RoundtableError carrying the server's message when it refuses).
 */
export function roundtableClient(provider: ProviderLike, timeoutMs = 10_000): RoundtableClient {
  let nextId = 1
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>()
  provider.messageHandlers[MESSAGE_ROUNDTABLE] = (_encoder: unknown, decoder: decoding.Decoder) => {
    const reply = readRoundtablePayload(decoder) as RoundtableReply
    const waiting = pending.get(reply.id)
    if (!waiting) return
    pending.delete(reply.id)
    clearTimeout(waiting.timer)
    if (reply.ok) waiting.resolve(reply.result)
    else waiting.reject(new RoundtableError(reply.error))
  }
  return {
    request(op, args) {
      const ws = provider.ws
      if (!ws || !provider.wsconnected) return Promise.reject(new RoundtableError('not connected to the server'))
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new RoundtableError('the server did not answer in time'))
        }, timeoutMs)
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
        ws.send(encodeRoundtable({ id, op, ...args }))
      })
    },
    dispose() {
      delete provider.messageHandlers[MESSAGE_ROUNDTABLE]
      for (const { reject, timer } of pending.values()) {
        clearTimeout(timer)
        reject(new RoundtableError('closed'))
      }
      pending.clear()
    },
  }
}
