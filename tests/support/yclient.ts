import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

export interface YClient {
  doc: Y.Doc
  provider: WebsocketProvider
  destroy(): void
}

/** A stock y-websocket client in Node, exactly as any third-party client would connect. */
export function connectClient(wsUrl: string, boardId: string, doc = new Y.Doc(), opts: { params?: Record<string, string> } = {}): YClient {
  const provider = new WebsocketProvider(wsUrl, boardId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: opts.params,
  })
  return {
    doc,
    provider,
    destroy() {
      provider.destroy()
      doc.destroy()
    },
  }
}

export function whenSynced(client: YClient, timeoutMs = 10_000): Promise<void> {
  if (client.provider.synced) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('client did not sync in time')), timeoutMs)
    client.provider.once('sync', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Polls until `check` passes or the time runs out (then throws its last error). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  }
}

/** A stock client on the board, synced, and kept in `clients` for the test file to close. */
export async function syncedClient(wsUrl: string, boardId: string, clients: YClient[]): Promise<YClient> {
  const c = connectClient(wsUrl, boardId)
  clients.push(c)
  await whenSynced(c)
  return c
}
