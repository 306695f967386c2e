import fs from 'node:fs'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import sirv from 'sirv'
import { ACCESS_TOKEN_PARAM, isValidBoardId } from '@roundtable/shared'
import type { ServerConfig } from './config.ts'
import type { BoardStorage } from './storage/storage.ts'
import type { Rooms } from './sync/rooms.ts'
import type { Metrics } from './metrics.ts'
import { ACCESS_COOKIE, accessAllowed, presentedAccessToken, viewTokenFor } from './access.ts'
import type { ApiHandler } from './api/index.ts'
import type { Logger } from './logger.ts'

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}

/**
 * The client's index.html with runtime config injected (the license key is not a build-time
 * value). Re-read when the file changes, so a rebuild never leaves it pointing at old assets.
 */
function indexHtmlLoader(config: ServerConfig): () => string | undefined {
  let cached: { mtimeMs: number; html: string } | undefined
  // The limits let the client refuse an import the server would close its connection over.
  const runtimeConfig = {
    tldrawLicenseKey: config.tldrawLicenseKey ?? null,
    maxFrameBytes: config.maxFrameBytes,
    maxBoardBytes: config.maxBoardBytes,
  }
  // Escape "<" so the JSON cannot close the script element.
  const script = `<script>window.__ROUNDTABLE_CONFIG__=${JSON.stringify(runtimeConfig).replace(/</g, '\\u003c')}</script>`
  return () => {
    if (!config.clientDist) return undefined
    const file = path.join(config.clientDist, 'index.html')
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    if (!stat) return undefined
    if (cached?.mtimeMs !== stat.mtimeMs) {
      cached = { mtimeMs: stat.mtimeMs, html: fs.readFileSync(file, 'utf8').replace('</head>', `${script}</head>`) }
    }
    return cached.html
  }
}

/** A request target as a URL, or undefined when it is not a valid one (never throws). */
export function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}

/** Paths that the single-page client renders: landing, a board, a board's view-only link. */
const SPA_ROUTE = /^\/(?:[bv]\/[^/]*)?$/
const VIEW_LINK_ROUTE = /^\/api\/boards\/([^/]+)\/view-link$/

export function createRequestHandler(
  config: ServerConfig,
  deps: { storage: BoardStorage; rooms: Rooms; metrics: Metrics; secret: Buffer; api?: ApiHandler; log: Logger },
) {
  const indexHtml = indexHtmlLoader(config)
  // While writes fail, readiness tries a tiny write of its own, at most once a second.
  let probed = { at: -Infinity, ok: true }
  const writable = () => {
    if (!deps.storage.writesFailing()) return true
    if (performance.now() - probed.at < 1000) return probed.ok
    let ok = true
    try {
      deps.storage.probeWrite()
    } catch {
      ok = false
    }
    probed = { at: performance.now(), ok }
    return ok
  }
  const assets =
    config.clientDist && fs.existsSync(config.clientDist)
      ? sirv(config.clientDist, {
          // Look files up per request: a rebuild while running must not crash the server on a
          // file that vanished from a startup index.
          dev: true,
          etag: true,
          // Vite fingerprints everything under /assets, so browsers may keep it forever.
          setHeaders: (res, pathname) => {
            if (pathname.startsWith('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable')
          },
        })
      : undefined

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = parseRequestUrl(req.url)
    if (url === undefined) return sendJson(res, 400, { error: 'malformed request target' })
    const { pathname } = url

    // Liveness says nothing about boards, so probes need no token.
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' })

    if (config.accessToken !== undefined) {
      const presented = presentedAccessToken(req, url)
      if (!accessAllowed(config.accessToken, presented.token)) {
        deps.metrics.limitRejections.inc({ limit: 'access_token' })
        return sendJson(res, 401, {
          error: 'this server requires an access token: open the link you were given, which ends in ?access_token=…',
        })
      }
      if (presented.via === 'query' && (req.method === 'GET' || req.method === 'HEAD') && SPA_ROUTE.test(pathname)) {
        // Remember the token in a cookie (sent with every later request and the sync socket) and
        // drop it from the address bar, so it is not shared along with a board link.
        url.searchParams.delete(ACCESS_TOKEN_PARAM)
        res.writeHead(303, {
          location: url.pathname + url.search,
          'set-cookie': `${ACCESS_COOKIE}=${encodeURIComponent(config.accessToken)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000`,
          'cache-control': 'no-store',
        })
        return res.end()
      }
    }

    if (pathname === '/readyz') {
      const status = !deps.storage.isReachable() ? 'storage unreachable' : !writable() ? 'storage writes failing' : 'ready'
      return sendJson(res, status === 'ready' ? 200 : 503, { status, boardsLoaded: deps.rooms.size })
    }
    // The server's clock, so clients can agree on shared timers whatever their own clocks say.
    if (pathname === '/api/time') {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'use GET' })
      return sendJson(res, 200, { now: Date.now() })
    }
    if (pathname === '/metrics') {
      deps.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' })
          res.end(text)
        },
        () => sendJson(res, 500, { error: 'could not collect metrics' }),
      )
      return
    }
    const viewLink = VIEW_LINK_ROUTE.exec(pathname)
    if (viewLink) {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'use GET' })
      const boardId = viewLink[1]
      if (!isValidBoardId(boardId)) return sendJson(res, 400, { error: 'invalid board id' })
      // Knowing the board id (the edit capability) is what entitles one to its view link.
      const token = viewTokenFor(deps.secret, boardId)
      try {
        deps.storage.saveViewToken(token, boardId)
      } catch {
        return sendJson(res, 503, { error: 'storage is unavailable; try again' })
      }
      return sendJson(res, 200, { token, path: `/v/${token}` })
    }
    // The board API (exports, snapshots, restore, fork) sits behind the same ACCESS_TOKEN gate.
    if (pathname.startsWith('/api/') && deps.api?.(req, res, url)) return
    if (pathname.startsWith('/api/')) return sendJson(res, 404, { error: `no such endpoint: ${pathname}` })

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
      return res.end('Method not allowed\n')
    }
    if (SPA_ROUTE.test(pathname)) {
      const html = indexHtml()
      if (!html) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        return res.end('The client is not built. Run "npm run build" (npm start does this for you).\n')
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      return res.end(req.method === 'HEAD' ? undefined : html)
    }
    const notFound = () => {
      // Pages answer in plain text (JSON is for /api/), saying what was not found.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`Not found: ${pathname}\n`)
    }
    if (assets) return assets(req, res, notFound)
    notFound()
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    try {
      handle(req, res)
    } catch (err) {
      // One bad request must never take the process (and every board) down.
      deps.metrics.errors.inc({ kind: 'request' })
      deps.log.error({ err, method: req.method, path: req.url?.split('?')[0].slice(0, 200) }, 'request failed; answered 400')
      if (!res.headersSent) sendJson(res, 400, { error: 'bad request' })
      else res.destroy()
    }
  }
}
