import fs from 'node:fs'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import sirv from 'sirv'
import type { ServerConfig } from './config.ts'
import type { BoardStorage } from './storage/storage.ts'
import type { Rooms } from './rooms.ts'
import type { ApiHandler } from './api/index.ts'

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
  const runtimeConfig = { tldrawLicenseKey: config.tldrawLicenseKey ?? null }
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

/** Paths that the single-page client renders. */
const SPA_ROUTE = /^\/(?:b\/[^/]*)?$/

export function createRequestHandler(config: ServerConfig, deps: { storage: BoardStorage; rooms: Rooms; api?: ApiHandler }) {
  const indexHtml = indexHtmlLoader(config)
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

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const pathname = url.pathname

    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' })
    if (pathname === '/readyz') {
      const ready = deps.storage.isReachable()
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'storage unreachable', boardsLoaded: deps.rooms.size })
    }
    // The server's clock, so clients can agree on shared timers whatever their own clocks say.
    if (pathname === '/api/time') {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'use GET' })
      return sendJson(res, 200, { now: Date.now() })
    }
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
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('Not found\n')
    }
    if (assets) return assets(req, res, notFound)
    notFound()
  }
}
