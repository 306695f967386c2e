import fs from 'node:fs'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import sirv from 'sirv'
import type { ServerConfig } from '../config.ts'
import type { BoardStorage } from '../storage/boards.ts'
import type { Rooms } from '../sync/rooms.ts'
import type { Metrics } from '../metrics.ts'
import type { Logger } from '../logger.ts'
import type { ApiHandler } from './api.ts'
import { createAccessGate } from './gate.ts'
import { sendJson } from './json.ts'
import { PerAddressLimiter } from './rateLimit.ts'
import { redactPath } from '../boardTag.ts'
import { contentSecurityPolicy, setBaseSecurityHeaders } from './securityHeaders.ts'

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
    maxRecordBytes: config.maxRecordBytes,
  }
  // A meta element, not an inline script: the CSP lets no inline script run. Escaped as an attribute value.
  const json = JSON.stringify(runtimeConfig).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const meta = `<meta name="roundtable-config" content="${json}" />`
  return () => {
    if (!config.clientDist) return undefined
    const file = path.join(config.clientDist, 'index.html')
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    if (!stat) return undefined
    if (cached?.mtimeMs !== stat.mtimeMs) {
      cached = { mtimeMs: stat.mtimeMs, html: fs.readFileSync(file, 'utf8').replace('</head>', `${meta}</head>`) }
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

/**
 * Every plain HTTP request: liveness, the access gate, readiness, metrics, the API (http/api.ts)
 * and the client's pages and assets.
 */
export function createRequestHandler(
  config: ServerConfig,
  deps: { storage: BoardStorage; rooms: Rooms; metrics: Metrics; api: ApiHandler; log: Logger },
) {
  const indexHtml = indexHtmlLoader(config)
  const apiPerIp = new PerAddressLimiter(config.maxApiRequestsPerIpPerSecond)
  const passesGate = createAccessGate(config.accessToken, deps.metrics, SPA_ROUTE)
  // While writes fail, readiness tries a tiny write of its own, at most once a second.
  let probed = { at: -Infinity, ok: true }
  const writable = async () => {
    if (!(await deps.storage.writesFailing())) return true
    if (performance.now() - probed.at < 1000) return probed.ok
    let ok = true
    try {
      await deps.storage.probeWrite()
    } catch {
      ok = false
    }
    probed = { at: performance.now(), ok }
    return ok
  }
  const readiness = async () => {
    try {
      if (!(await deps.storage.isReachable())) return 'storage unreachable'
      return (await writable()) ? 'ready' : 'storage writes failing'
    } catch {
      return 'storage unreachable'
    }
  }
  const assets =
    config.clientDist && fs.existsSync(config.clientDist)
      ? sirv(config.clientDist, {
          // Look files up per request: a rebuild while running must not crash the server on a
          // file that vanished from a startup index.
          dev: true,
          etag: true,
          // The client build writes a .br and a .gz beside each text asset (client/vite.config.ts).
          brotli: true,
          gzip: true,
          // Vite fingerprints everything under /assets, so browsers may keep it forever.
          setHeaders: (res, pathname) => {
            if (pathname.startsWith('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable')
          },
        })
      : undefined

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    setBaseSecurityHeaders(res, config.hstsMaxAgeSeconds)
    const url = parseRequestUrl(req.url)
    if (url === undefined) return sendJson(res, 400, { error: 'malformed request target' })
    const { pathname } = url

    // Liveness says nothing about boards, so probes need no token.
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' })

    if (!passesGate(req, res, url)) return

    if (pathname === '/readyz') {
      readiness().then((status) => sendJson(res, status === 'ready' ? 200 : 503, { status, boardsLoaded: deps.rooms.size }))
      return
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
    // The API sits behind the same ACCESS_TOKEN gate, and a rate per address.
    if (pathname.startsWith('/api/')) {
      if (!apiPerIp.take(req.socket.remoteAddress ?? 'unknown')) {
        deps.metrics.limitRejections.inc({ limit: 'api_requests_per_ip' })
        return sendJson(res, 429, { error: 'too many requests from your address; slow down' }, { 'retry-after': '1' })
      }
      return deps.api(req, res, url)
    }

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
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': contentSecurityPolicy(req),
      })
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
      deps.log.error({ err, method: req.method, path: redactPath(req.url) }, 'request failed; answered 400')
      if (!res.headersSent) sendJson(res, 400, { error: 'bad request' })
      else res.destroy()
    }
  }
}
