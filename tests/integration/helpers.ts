/**
 * Small helpers shared by the integration tests: bookkeeping so every server and client is
 * cleaned up, raw sockets for hostile input, and document snapshots to compare clients.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import * as Y from 'yjs'
import WebSocket from 'ws'
import Database from 'better-sqlite3'
import { newBoardId, recordsArray, type JsonRecord } from '@roundtable/shared'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, whenSynced, type YClient } from '../support/yclient.ts'

/** Owns every server, client, socket and temp dir a test file creates, and disposes of them. */
export class Harness {
  constructor() {
    // Each stock WebsocketProvider adds a process 'exit' listener; a test file holds more than
    // Node's default of 10 at once, which is fine and not a leak.
    process.setMaxListeners(Math.max(process.getMaxListeners(), 100))
  }

  private servers: ServerProcess[] = []
  private clients: YClient[] = []
  private sockets: WebSocket[] = []
  private dirs = new Set<string>()

  async server(opts: Parameters<typeof startServerProcess>[0] = {}): Promise<ServerProcess> {
    const server = await startServerProcess(opts)
    this.servers.push(server)
    this.dirs.add(server.dataDir)
    return server
  }

  /** A stock y-websocket client; resolves once it completed the sync handshake. */
  async client(server: ServerProcess, boardId: string, doc?: Y.Doc): Promise<YClient> {
    const client = connectClient(server.wsUrl, boardId, doc)
    this.clients.push(client)
    await whenSynced(client)
    return client
  }

  /** Destroy a client now (dispose() tolerates clients that were already dropped). */
  drop(client: YClient) {
    client.provider.destroy()
    client.doc.destroy()
  }

  /** A raw `ws` socket on /sync/<boardId>, resolved once open. */
  async raw(server: ServerProcess, boardId: string): Promise<WebSocket> {
    const ws = new WebSocket(`${server.wsUrl}/${boardId}`)
    this.sockets.push(ws)
    // A server may reset a socket it rejected; the test looks at close codes, not errors.
    ws.on('error', () => {})
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('close', (code) => reject(new Error(`socket closed (${code}) before it opened`)))
      }),
      5_000,
      'raw socket did not open',
    )
    return ws
  }

  async dispose() {
    for (const client of this.clients) {
      try {
        client.provider.destroy()
        client.doc.destroy()
      } catch {
        // already destroyed
      }
    }
    for (const ws of this.sockets) ws.terminate()
    await Promise.all(this.servers.map((s) => withTimeout(s.stop('SIGKILL'), 10_000, 'server did not exit')))
    for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true })
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** The close code and reason of a socket; rejects if it is still open after `ms`. */
export function closeOf(ws: WebSocket, ms = 5_000): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('socket already closed; listen before sending'))
  return withTimeout(
    new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    ms,
    'the server did not close the connection',
  )
}

/** A valid board id, unique per call. */
export function boardId(): string {
  return newBoardId()
}

/**
 * Everything the tests write lives in these shared types. `records` is the YKeyValue view
 * (right-most entry per key wins, as YKeyValue reads it) computed without constructing a
 * YKeyValue, which would observe and edit the doc; `recordEntries` is the raw array.
 */
export function snapshot(doc: Y.Doc) {
  const recordEntries = recordsArray(doc).toJSON() as Array<{ key: string; val: JsonRecord }>
  const records: Record<string, JsonRecord> = {}
  for (const entry of recordEntries) records[entry.key] = entry.val
  return {
    items: doc.getMap('items').toJSON() as Record<string, unknown>,
    log: doc.getArray<string>('log').toJSON() as string[],
    records,
    recordEntries,
  }
}

/** The state vector as hex; Yjs sorts its entries, so equal states give equal strings. */
export function stateVectorHex(doc: Y.Doc): string {
  return Buffer.from(Y.encodeStateVector(doc)).toString('hex')
}

export function record(id: string, extra: Record<string, unknown> = {}): JsonRecord {
  return { id, typeName: 'shape', ...extra }
}

export async function getJson(url: string): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON; the assertion on body will show the text
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body }
}

/**
 * Sends `request` verbatim on a plain TCP socket and returns the status line of the answer
 * (empty if the connection ended without one), so tests control the exact request-target
 * bytes. Returns once the response headers are in, or the connection ended, or after `ms`.
 */
export function rawHttp(port: number, request: string, ms = 3_000): Promise<{ statusLine: string; text: string; error?: string }> {
  return new Promise((resolve) => {
    let text = ''
    let error: string | undefined
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request))
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1')
      // An upgraded socket stays open; the headers are all a test looks at.
      if (text.includes('\r\n\r\n')) socket.destroy()
    })
    socket.on('error', (err) => (error = err.message))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ statusLine: text.split('\r\n')[0] ?? '', text, error })
    })
  })
}

export function upgradeRequest(target: string): string {
  return [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n')
}

/** Read-only look at the server's database, closed again before returning. */
export function readDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'roundtable.sqlite'), { readonly: true, fileMustExist: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

export function countRows(db: Database.Database, table: 'board_state' | 'board_updates', boardId?: string): number {
  const row = boardId
    ? (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE board_id = ?`).get(boardId) as { n: number })
    : (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number })
  return row.n
}

/** A sample's value from the server's Prometheus text (`name{labels}`), 0 when absent. */
export async function metric(server: ServerProcess, sample: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(sample + ' '))
  return found ? Number(found.split(' ')[1]) : 0
}

/** What the server's logs call a board (server/src/boardTag.ts): the first 12 hex digits of SHA-256 of its id. */
export function boardTag(boardId: string): string {
  return crypto.createHash('sha256').update(boardId).digest('hex').slice(0, 12)
}
