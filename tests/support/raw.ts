import WebSocket from 'ws'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { MESSAGE_SYNC } from '@roundtable/shared'

export interface RawClient {
  ws: WebSocket
  received: Uint8Array[]
  /** Resolves with the close code and reason once the connection is closed (by either side). */
  closed: Promise<{ code: number; reason: string }>
  send(data: Uint8Array | string): void
}

/** A bare WebSocket that sends exactly the bytes a test crafts. */
export async function openRaw(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<RawClient> {
  const ws = new WebSocket(url, { headers, localAddress })
  const received: Uint8Array[] = []
  ws.on('message', (data) => received.push(new Uint8Array(data as Buffer)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)))
  })
  return {
    ws,
    received,
    closed,
    send(data) {
      if (ws.readyState === ws.OPEN) ws.send(data)
    },
  }
}

/** The HTTP status a refused upgrade answered with (or 101 when it was accepted). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('error', () => {})
  })
}

export function syncFrame(kind: 'step1' | 'step2' | 'update', payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  encoding.writeVarUint(
    encoder,
    kind === 'step1'
      ? syncProtocol.messageYjsSyncStep1
      : kind === 'step2'
        ? syncProtocol.messageYjsSyncStep2
        : syncProtocol.messageYjsUpdate,
  )
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** A Yjs update made by a fresh doc: `change` runs against it and every update is captured. */
export function makeUpdate(change: (doc: Y.Doc) => void, base?: Y.Doc): Uint8Array {
  const doc = new Y.Doc()
  if (base) Y.applyUpdate(doc, Y.encodeStateAsUpdate(base))
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  change(doc)
  doc.destroy()
  return Y.mergeUpdates(updates)
}
