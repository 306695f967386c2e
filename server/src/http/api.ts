import type { IncomingMessage, ServerResponse } from 'node:http'
import { isValidBoardId } from '@roundtable/shared'
import { Router } from './router.ts'
import { sendJson, readJsonBody } from './json.ts'
import { answerFor, ViewOnlyError } from './errors.ts'
import { formatOf, sendBoard } from './boardFile.ts'
import { sendOutcomes } from './outcomes.ts'
import { redactPath } from '../boardTag.ts'
import { VIEW_TOKEN_PATTERN, viewTokenFor } from '../access.ts'
import { InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts'
import type { BoardSnapshots } from '../snapshots/service.ts'
import type { BoardStorage } from '../storage/boards.ts'
import type { SnapshotInfo } from '../storage/snapshots.ts'
import type { Logger } from '../logger.ts'
import { OwnedElsewhereError } from '../cluster/ownedElsewhere.ts'
import { CLUSTER_SECRET_HEADER, presentsClusterSecret } from '../cluster/relay.ts'
import { boardClusters, similarityOf } from '../clusters.ts'

/**
 * Every /api/* route, in one table (no browser needed for any of them). `:id` is a board id (the
 * edit capability) or, where it says so, a view-only token: a view token reads (export, list,
 * one snapshot) but every write (take, restore, fork) is refused with 403, like its sync socket.
 * ACCESS_TOKEN is checked before any of this (http/gate.ts).
 *   GET  /api/time -> {now}: the server's clock, so clients agree on shared timers
 *   GET  /api/boards/:id/view-link -> {token, path} (board id only)
 *   GET  /api/boards/:id/export?format=json|md|tldr
 *   GET  /api/boards/:id/actions?format=json|csv -> decisions and actions (volunteers, due dates, done)
 *   GET  /api/boards/:id/snapshots?limit=&before=  POST {name, by?} takes one
 *   GET  /api/boards/:id/snapshots/:sid?format=json|md|tldr
 *   POST /api/boards/:id/snapshots/:sid/restore {by?}
 *   POST /api/boards/:id/fork {snapshotId?} -> {id, url}
 *   GET  /api/boards/:id/clusters?similarity= -> {method, similarity, suggestions} (../clusters.ts)
 * Handlers throw; http/errors.ts turns what they throw into the status code and JSON error.
 */
const MAX_BODY_BYTES = 16 * 1024
const MAX_NAME_LENGTH = 120
/** Snapshots per page of the list; `next` in the answer asks for the following page. */
const DEFAULT_LIST_LIMIT = 100
const MAX_LIST_LIMIT = 1000

/** Serves an /api/* request, answering 404 for a path no route has. */
export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void

function optionalString(body: Record<string, unknown>, key: string, max = MAX_NAME_LENGTH): string | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new InvalidInputError(`"${key}" must be a string`)
  // Names end up in lists, file names and headers: no control characters or line breaks.
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(value)) throw new InvalidInputError(`"${key}" must not contain control characters or line breaks`)
  const trimmed = value.trim()
  if (trimmed.length > max) throw new InvalidInputError(`"${key}" must be at most ${max} characters`)
  return trimmed || undefined
}

function limitOf(url: URL): number {
  const raw = url.searchParams.get('limit')
  if (raw === null) return DEFAULT_LIST_LIMIT
  const limit = Number(raw)
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new InvalidInputError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`)
  return limit
}

function boardUrl(req: IncomingMessage, id: string): string {
  const host = req.headers.host && /^[\w.:[\]-]+$/.test(req.headers.host) ? req.headers.host : 'localhost'
  return `http://${host}/b/${id}`
}

/** What a client sees of a snapshot: not the board id, which a view-only visitor must not learn. */
const publicInfo = ({ boardId: _boardId, ...info }: SnapshotInfo) => info

/**
 * Sends a request that needs the board loaded (a restore) to the process that owns the board,
 * and its answer back, when several processes share the database. The access token travels
 * with it; the cluster secret says "answer it yourself, do not send it on".
 */
async function forwardToOwner(address: string, secret: string, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json', [CLUSTER_SECRET_HEADER]: secret }
  if (req.headers.authorization) headers.authorization = req.headers.authorization
  if (req.headers.cookie) headers.cookie = req.headers.cookie
  let answer: Response
  try {
    answer = await fetch(`http://${address}${url.pathname}${url.search}`, { method: req.method, headers, body: JSON.stringify(body) })
  } catch (err) {
    throw new UnavailableError('the server holding this board did not answer; try again', { cause: err })
  }
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json; charset=utf-8' })
  res.end(Buffer.from(await answer.arrayBuffer()))
}

export function createApi(deps: {
  snapshots: BoardSnapshots
  storage: BoardStorage
  secret: Buffer
  log: Logger
  /** Set when several processes share the database (see forwardToOwner). */
  clusterSecret?: string
  /** Exports (and cluster suggestions) built at once; more are answered 503 (one is CPU-bound for up to seconds on a large board). */
  maxConcurrentExports: number
}): ApiHandler {
  const { snapshots, clusterSecret } = deps
  let exporting = 0
  /** Runs an export if fewer than maxConcurrentExports are running, so a burst of them cannot queue up minutes of work. */
  const boundedExport = async (build: () => Promise<void>) => {
    if (exporting >= deps.maxConcurrentExports)
      throw new UnavailableError('too many exports are being built right now; try again in a moment')
    exporting++
    try {
      await build()
    } finally {
      exporting--
    }
  }
  /** The board `:id` names and whether it was named by a view-only token. */
  const resolve = async (params: Record<string, string>): Promise<{ id: string; viewOnly: boolean }> => {
    if (VIEW_TOKEN_PATTERN.test(params.id)) {
      const id = await snapshots.boardForViewToken(params.id)
      if (id) return { id, viewOnly: true }
    }
    if (!isValidBoardId(params.id)) throw new NotFoundError('no board with this id')
    return { id: params.id, viewOnly: false }
  }
  const board = async (params: Record<string, string>) => (await resolve(params)).id
  const editableBoard = async (params: Record<string, string>, what: string) => {
    const { id, viewOnly } = await resolve(params)
    if (viewOnly) throw new ViewOnlyError(`a view-only link cannot ${what}`)
    return id
  }
  const readBody = (req: IncomingMessage) => readJsonBody(req, MAX_BODY_BYTES)

  const router = new Router()
    .add('GET', '/api/time', ({ res }) => sendJson(res, 200, { now: Date.now() }), { wrongMethod: 'use GET' })
    .add(
      'GET',
      '/api/boards/:id/view-link',
      async ({ res, params }) => {
        if (!isValidBoardId(params.id)) throw new InvalidInputError('invalid board id')
        // Knowing the board id (the edit capability) is what entitles one to its view link.
        const token = viewTokenFor(deps.secret, params.id)
        try {
          await deps.storage.saveViewToken(token, params.id)
        } catch (err) {
          throw new UnavailableError('storage is unavailable; try again', { cause: err })
        }
        sendJson(res, 200, { token, path: `/v/${token}` })
      },
      // The id is checked as sent: a percent-encoded one is not a board id.
      { wrongMethod: 'use GET', raw: true },
    )
    .add('GET', '/api/boards/:id/export', async ({ res, url, params }) => {
      const id = await board(params)
      const format = formatOf(url)
      await boundedExport(async () => sendBoard(res, await snapshots.state(id), format))
    })
    .add('GET', '/api/boards/:id/actions', async ({ res, url, params }) => {
      const id = await board(params)
      const format = formatOf(url, ['json', 'csv'] as const)
      await boundedExport(async () => sendOutcomes(res, await snapshots.state(id), format))
    })
    .add('GET', '/api/boards/:id/clusters', async ({ res, url, params }) => {
      const similarity = similarityOf(url)
      const id = await board(params)
      // Clustering a large board is CPU work like an export: bounded the same way.
      await boundedExport(async () => sendJson(res, 200, await boardClusters(await snapshots.state(id), similarity, deps.log)))
    })
    .add('GET', '/api/boards/:id/snapshots', async ({ res, url, params }) => {
      const page = await snapshots.list(await board(params), { limit: limitOf(url), before: url.searchParams.get('before') || undefined })
      sendJson(res, 200, { snapshots: page.snapshots.map(publicInfo), ...(page.next ? { next: page.next } : {}) })
    })
    .add('POST', '/api/boards/:id/snapshots', async ({ req, res, params }) => {
      const id = await editableBoard(params, 'take snapshots')
      const body = await readBody(req)
      const name = optionalString(body, 'name')
      if (!name) throw new InvalidInputError('a snapshot needs a "name"')
      sendJson(res, 201, { snapshot: publicInfo(await snapshots.take(id, { name, kind: 'named', createdBy: optionalString(body, 'by') })) })
    })
    .add('GET', '/api/boards/:id/snapshots/:sid', async ({ res, url, params }) => {
      const format = formatOf(url)
      const snapshot = await snapshots.get(await board(params), params.sid)
      await boundedExport(() => sendBoard(res, snapshot.state, format, snapshot))
    })
    .add('POST', '/api/boards/:id/snapshots/:sid/restore', async ({ req, res, url, params }) => {
      const id = await editableBoard(params, 'restore snapshots')
      const body = await readBody(req)
      let result
      try {
        result = await snapshots.restore(id, params.sid, optionalString(body, 'by'))
      } catch (err) {
        if (!(err instanceof OwnedElsewhereError) || clusterSecret === undefined) throw err
        // Sent on once at most: an owner that moved meanwhile makes this a retry for the caller.
        if (presentsClusterSecret(req.headers[CLUSTER_SECRET_HEADER], clusterSecret)) {
          throw new UnavailableError('the board moved to another server meanwhile; try again', { cause: err })
        }
        return forwardToOwner(err.address, clusterSecret, req, res, url, body)
      }
      const { restored, before, changed } = result
      sendJson(res, 200, { restored: publicInfo(restored), before: before ? publicInfo(before) : null, changed })
    })
    .add('POST', '/api/boards/:id/fork', async ({ req, res, params }) => {
      const id = await editableBoard(params, 'fork the board')
      const body = await readBody(req)
      const snapshotId = optionalString(body, 'snapshotId', 64)
      // Only a missing snapshotId means "from now": an empty one is a mistake, not a request.
      if (!snapshotId && body.snapshotId != null)
        throw new InvalidInputError('"snapshotId" is empty; leave it out to fork the board as it is now')
      const forkId = await snapshots.fork(id, snapshotId)
      sendJson(res, 201, { id: forkId, url: boardUrl(req, forkId) })
    })

  return (req, res, url) => {
    const found = router.match(req.method ?? 'GET', url.pathname)
    if (!found) return sendJson(res, 404, { error: `no such endpoint: ${url.pathname}` })
    if ('wrongMethod' in found) return sendJson(res, 405, { error: found.wrongMethod })
    Promise.resolve()
      .then(() => found.handler({ req, res, url, params: found.params }))
      .catch((err: unknown) => {
        if (res.headersSent) return res.destroy()
        const answer = answerFor(err)
        if (answer) return sendJson(res, answer.status, answer.body, answer.headers)
        deps.log.error({ err, path: redactPath(url.pathname) }, 'API request failed')
        sendJson(res, 500, { error: 'internal error' })
      })
  }
}
