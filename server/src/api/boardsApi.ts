import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  boardToFile,
  boardToTldr,
  buildReport,
  docFromUpdate,
  downloadBaseName,
  isValidBoardId,
  readMeta,
  reportInputFromDoc,
  TLDR_MIME_TYPE,
} from '@roundtable/shared'
import { Router } from './router.ts'
import { ApiError, type BoardSnapshots } from './boardSnapshots.ts'
import { VIEW_TOKEN_PATTERN } from '../access.ts'
import { BoardsFullError } from '../sync/rooms.ts'
import type { SnapshotInfo } from '../storage/snapshots.ts'
import type { Logger } from '../logger.ts'

/**
 * The board HTTP API (no browser needed): exports, snapshots, restore and fork. `:id` is a
 * board id (the edit capability) or a view-only token: a view token reads (export, list, one
 * snapshot) but every write (take, restore, fork) is refused with 403, like its sync socket.
 * ACCESS_TOKEN is checked before any of this, in http.ts.
 *   GET  /api/boards/:id/export?format=json|md|tldr
 *   GET  /api/boards/:id/snapshots?limit=&before=  POST {name, by?} takes one
 *   GET  /api/boards/:id/snapshots/:sid?format=json|md|tldr
 *   POST /api/boards/:id/snapshots/:sid/restore {by?}
 *   POST /api/boards/:id/fork {snapshotId?} -> {id, url}
 */
const FORMATS = ['json', 'md', 'tldr'] as const
type Format = (typeof FORMATS)[number]
const MAX_BODY_BYTES = 16 * 1024
const MAX_NAME_LENGTH = 120
/** Snapshots per page of the list; `next` in the answer asks for the following page. */
const DEFAULT_LIST_LIMIT = 100
const MAX_LIST_LIMIT = 1000

/**
 * tldraw's schema, for a .tldr or JSON file of a board no canvas has written yet. Loaded on the
 * first export: tldraw's schema package alone would add a third to the server's start-up.
 */
let defaultSchema: unknown
const fallbackSchema = async () => (defaultSchema ??= (await import('@tldraw/tlschema')).createTLSchema().serialize())

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

const bodyTooLarge = () => new ApiError(413, `the request body is over ${MAX_BODY_BYTES} bytes`)

function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  // Refused before reading a byte when the size is declared; the 413 then closes the connection.
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return Promise.reject(bodyTooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk)
      // Stop keeping it, but let the socket drain so the 413 reaches the client.
      req.off('data', onData)
      chunks.length = 0
      req.resume()
      reject(bodyTooLarge())
    }
    req.on('data', onData)
    req.on('error', reject)
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return
      const text = Buffer.concat(chunks).toString('utf8').trim()
      if (!text) return resolve({})
      try {
        const body = JSON.parse(text)
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error()
        resolve(body)
      } catch {
        reject(new ApiError(400, 'the request body must be a JSON object'))
      }
    })
  })
}

function optionalString(body: Record<string, unknown>, key: string, max = MAX_NAME_LENGTH): string | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new ApiError(400, `"${key}" must be a string`)
  // Names end up in lists, file names and headers: no control characters or line breaks.
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(value)) throw new ApiError(400, `"${key}" must not contain control characters or line breaks`)
  const trimmed = value.trim()
  if (trimmed.length > max) throw new ApiError(400, `"${key}" must be at most ${max} characters`)
  return trimmed || undefined
}

function formatOf(url: URL): Format {
  const format = url.searchParams.get('format') ?? 'json'
  if (!(FORMATS as readonly string[]).includes(format)) throw new ApiError(400, `format must be one of ${FORMATS.join(', ')}`)
  return format as Format
}

function limitOf(url: URL): number {
  const raw = url.searchParams.get('limit')
  if (raw === null) return DEFAULT_LIST_LIMIT
  const limit = Number(raw)
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new ApiError(400, `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`)
  return limit
}

/**
 * Sends a board (held as one Yjs update) in the asked format. A report is of the session's time,
 * or of the moment a snapshot was taken.
 */
async function sendBoard(res: ServerResponse, state: Uint8Array, format: Format, snapshot?: { name: string; createdAt: number }) {
  const schema = format === 'md' ? undefined : await fallbackSchema()
  const doc = docFromUpdate(state)
  try {
    const [type, body, ext] =
      format === 'md'
        ? ['text/markdown; charset=utf-8', buildReport(reportInputFromDoc(doc, snapshot?.createdAt)), '.md']
        : format === 'tldr'
          ? [TLDR_MIME_TYPE, JSON.stringify(boardToTldr(doc, schema)), '.tldr']
          : ['application/json; charset=utf-8', JSON.stringify(boardToFile(doc, Date.now(), schema)), '.json']
    const name = `${downloadBaseName(readMeta(doc).title, snapshot?.name)}${ext}`
    res.writeHead(200, {
      'content-type': type,
      'cache-control': 'no-store',
      'content-disposition': `inline; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    })
    res.end(body)
  } finally {
    doc.destroy()
  }
}

function boardUrl(req: IncomingMessage, id: string): string {
  const host = req.headers.host && /^[\w.:[\]-]+$/.test(req.headers.host) ? req.headers.host : 'localhost'
  return `http://${host}/b/${id}`
}

/** What a client sees of a snapshot: not the board id, which a view-only visitor must not learn. */
const publicInfo = ({ boardId: _boardId, ...info }: SnapshotInfo) => info

export function createBoardsApi(snapshots: BoardSnapshots, log: Logger) {
  /** The board `:id` names and whether it was named by a view-only token. */
  const resolve = (params: Record<string, string>): { id: string; viewOnly: boolean } => {
    if (VIEW_TOKEN_PATTERN.test(params.id)) {
      const id = snapshots.boardForViewToken(params.id)
      if (id) return { id, viewOnly: true }
    }
    if (!isValidBoardId(params.id)) throw new ApiError(404, `no board ${params.id}`)
    return { id: params.id, viewOnly: false }
  }
  const board = (params: Record<string, string>) => resolve(params).id
  const editableBoard = (params: Record<string, string>, what: string) => {
    const { id, viewOnly } = resolve(params)
    if (viewOnly) throw new ApiError(403, `a view-only link cannot ${what}`)
    return id
  }
  const router = new Router()
    .add('GET', '/api/boards/:id/export', async ({ res, url, params }) => {
      const id = board(params)
      const format = formatOf(url)
      if (!snapshots.exists(id)) throw new ApiError(404, `no board ${id}`)
      await sendBoard(res, snapshots.currentState(id), format)
    })
    .add('GET', '/api/boards/:id/snapshots', ({ res, url, params }) => {
      const page = snapshots.list(board(params), { limit: limitOf(url), before: url.searchParams.get('before') || undefined })
      sendJson(res, 200, { snapshots: page.snapshots.map(publicInfo), ...(page.next ? { next: page.next } : {}) })
    })
    .add('POST', '/api/boards/:id/snapshots', async ({ req, res, params }) => {
      const id = editableBoard(params, 'take snapshots')
      const body = await readJsonBody(req)
      const name = optionalString(body, 'name')
      if (!name) throw new ApiError(400, 'a snapshot needs a "name"')
      sendJson(res, 201, { snapshot: publicInfo(snapshots.take(id, { name, kind: 'named', createdBy: optionalString(body, 'by') })) })
    })
    .add('GET', '/api/boards/:id/snapshots/:sid', async ({ res, url, params }) => {
      const format = formatOf(url)
      const snapshot = snapshots.get(board(params), params.sid)
      await sendBoard(res, snapshot.state, format, snapshot)
    })
    .add('POST', '/api/boards/:id/snapshots/:sid/restore', async ({ req, res, params }) => {
      const id = editableBoard(params, 'restore snapshots')
      const body = await readJsonBody(req)
      const { restored, before, changed } = snapshots.restore(id, params.sid, optionalString(body, 'by'))
      sendJson(res, 200, { restored: publicInfo(restored), before: before ? publicInfo(before) : null, changed })
    })
    .add('POST', '/api/boards/:id/fork', async ({ req, res, params }) => {
      const id = editableBoard(params, 'fork the board')
      const body = await readJsonBody(req)
      const snapshotId = optionalString(body, 'snapshotId', 64)
      // Only a missing snapshotId means "from now": an empty one is a mistake, not a request.
      if (!snapshotId && body.snapshotId != null)
        throw new ApiError(400, '"snapshotId" is empty; leave it out to fork the board as it is now')
      const forkId = snapshots.fork(id, snapshotId)
      sendJson(res, 201, { id: forkId, url: boardUrl(req, forkId) })
    })

  /** Handles /api/boards/* requests; returns false for paths it does not serve. */
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const found = router.match(req.method ?? 'GET', url.pathname)
    if (!found) return false
    if (found === 'method') {
      sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` })
      return true
    }
    Promise.resolve()
      .then(() => found.handler({ req, res, url, params: found.params }))
      .catch((err: unknown) => {
        if (res.headersSent) return res.destroy()
        // After a 413 the rest of the body is not read: the connection cannot be reused.
        if (err instanceof ApiError)
          return sendJson(res, err.status, { error: err.message }, err.status === 413 ? { connection: 'close' } : {})
        if (err instanceof BoardsFullError) return sendJson(res, 503, { error: 'the server has too many boards open; try again soon' })
        log.error({ err, path: url.pathname }, 'board API request failed')
        sendJson(res, 500, { error: 'internal error' })
      })
    return true
  }
}
