/**
 * Browser hardening and keeping keys from leaking: the headers every response carries, the
 * Content-Security-Policy of the pages, the Origin check on the sync socket and the access cookie.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import type { ServerProcess } from '../support/server.ts'
import { makeUpdate, openRaw, syncFrame, upgradeStatus } from '../support/raw.ts'
import { eventually } from '../support/yclient.ts'
import { Harness, metric, rawHttp, upgradeRequest } from './helpers.ts'

const h = new Harness()
let server: ServerProcess
let dist: string

beforeAll(async () => {
  // A stand-in for the built client, so the pages are served without building it first.
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-dist-'))
  fs.writeFileSync(path.join(dist, 'index.html'), '<html><head></head><body></body></html>')
  fs.mkdirSync(path.join(dist, 'assets'))
  fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)\n')
  server = await h.server({ env: { CLIENT_DIST: dist } })
})
afterAll(async () => {
  await h.dispose()
  fs.rmSync(dist, { recursive: true, force: true })
})

/** A plain GET with exactly these headers (fetch would add Sec-Fetch-* of its own). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      })
      .on('error', reject)
  })
}

describe('headers', () => {
  it('every route sends Referrer-Policy: no-referrer, nosniff and COOP; pages also a strict CSP', async () => {
    const boardId = newBoardId()
    const routes = [
      '/',
      `/b/${boardId}`,
      '/v/AAAAAAAAAAAAAAAAAAAAAAAA',
      '/assets/app.js',
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/time',
      `/api/boards/${boardId}/view-link`,
      `/api/boards/${boardId}/export?format=md`,
      '/api/nope',
      '/no/such/page',
    ]
    for (const route of routes) {
      const res = await get(`${server.url}${route}`)
      expect(res.headers['referrer-policy'], route).toBe('no-referrer')
      expect(res.headers['x-content-type-options'], route).toBe('nosniff')
      expect(res.headers['cross-origin-opener-policy'], route).toBe('same-origin')
      expect(res.headers['strict-transport-security'], route).toBeUndefined()
    }
    for (const route of ['/', `/b/${boardId}`, '/v/AAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await get(`${server.url}${route}`)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      const csp = String(res.headers['content-security-policy'])
      const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1)]))
      expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
      expect(directives.get('object-src')).toEqual(["'none'"])
      expect(directives.get('base-uri')).toEqual(["'none'"])
      expect(directives.get('frame-ancestors')).toEqual(["'none'"])
      const host = new URL(server.url).host
      expect(directives.get('connect-src')).toEqual(expect.arrayContaining(["'self'", `ws://${host}`, `wss://${host}`]))
      for (const sources of directives.values()) {
        expect(sources).not.toContain("'unsafe-eval'")
        expect(sources).not.toContain('*')
      }
      expect(directives.get('script-src')).not.toContain("'unsafe-inline'")
      // The runtime config is data, not an inline script the CSP would block.
      expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)/)
      expect(res.body).toContain('<meta name="roundtable-config"')
    }
  })

  it('a refused upgrade carries no-referrer and nosniff too', async () => {
    const res = await rawHttp(server.port, upgradeRequest('/sync/bad'))
    expect(res.statusLine).toContain('400')
    expect(res.text).toMatch(/\r\nReferrer-Policy: no-referrer\r\n/i)
    expect(res.text).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i)
  })

  it('HSTS only when HSTS_MAX_AGE opts in', async () => {
    const tls = await h.server({ env: { CLIENT_DIST: dist, HSTS_MAX_AGE: '31536000' } })
    for (const route of ['/', '/healthz', '/api/time']) {
      expect((await get(`${tls.url}${route}`)).headers['strict-transport-security']).toBe('max-age=31536000')
    }
  })
})

describe('cross-site WebSocket hijacking', () => {
  it('refuses an upgrade from another site’s page with 403, lets our own pages, ALLOWED_ORIGINS and Node clients in', async () => {
    const allowing = await h.server({ env: { ALLOWED_ORIGINS: 'https://board.example.org' } })
    const boardId = newBoardId()
    const url = `${allowing.wsUrl}/${boardId}`
    const own = new URL(allowing.url)
    expect(await upgradeStatus(url, { origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus(url, { origin: 'null' })).toBe(403)
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${Number(own.port) + 1}` })).toBe(403)
    expect(await upgradeStatus(`${allowing.wsUrl}/view/AAAAAAAAAAAAAAAAAAAAAAAA`, { origin: 'https://evil.example' })).toBe(403)
    expect(await metric(allowing, 'roundtable_limit_rejections_total{limit="origin"}')).toBe(4)
    expect(await upgradeStatus(url, { origin: own.origin })).toBe(101)
    expect(await upgradeStatus(url, { origin: `https://${own.host}` })).toBe(101)
    expect(await upgradeStatus(url, { origin: 'https://board.example.org' })).toBe(101)
    // Stock Node clients (y-websocket over ws) send no Origin.
    expect(await upgradeStatus(url)).toBe(101)
  })

  it('refuses another site even when it presents a valid access cookie', async () => {
    const token = 'a-long-enough-access-token'
    const gated = await h.server({ env: { ACCESS_TOKEN: token } })
    const url = `${gated.wsUrl}/${newBoardId()}`
    const cookie = `roundtable_access=${token}`
    expect(await upgradeStatus(url, { origin: 'https://evil.example', cookie })).toBe(403)
    expect(await upgradeStatus(url, { origin: new URL(gated.url).origin, cookie })).toBe(101)
  })

  it('ALLOWED_ORIGINS that is not a list of origins stops the server at start', async () => {
    await expect(h.server({ env: { ALLOWED_ORIGINS: 'board.example.org/path' } })).rejects.toThrow(/ALLOWED_ORIGINS must be/)
  })
})

describe('the access cookie', () => {
  const token = 'another-long-access-token'
  let gated: ServerProcess
  beforeAll(async () => {
    gated = await h.server({ env: { ACCESS_TOKEN: token, CLIENT_DIST: dist } })
  })

  it('is HttpOnly and SameSite=Strict, and Secure when the page came over TLS', async () => {
    const boardId = newBoardId()
    const plain = await get(`${gated.url}/b/${boardId}?access_token=${token}`)
    expect(plain.status).toBe(303)
    const cookie = String(plain.headers['set-cookie'])
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Strict/)
    expect(cookie).not.toMatch(/; Secure/)
    const tls = await get(`${gated.url}/b/${boardId}?access_token=${token}`, { 'x-forwarded-proto': 'https' })
    expect(String(tls.headers['set-cookie'])).toMatch(/; Secure/)
  })

  it('a link followed from another site (no Strict cookie) reloads once as same-site, which sends the cookie', async () => {
    const page = `${gated.url}/b/${newBoardId()}`
    const arriving = await get(page, { 'sec-fetch-site': 'cross-site' })
    expect(arriving.status).toBe(200)
    expect(arriving.body).toContain('<meta http-equiv="refresh" content="0">')
    expect(arriving.headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'")
    // The reload is same-origin: with the cookie it is the page, without it a 401.
    expect((await get(page, { 'sec-fetch-site': 'same-origin', cookie: `roundtable_access=${token}` })).status).toBe(200)
    expect((await get(page, { 'sec-fetch-site': 'same-origin' })).status).toBe(401)
    // Never for the API: it answers 401 to any request without the token.
    expect((await get(`${gated.url}/api/time`, { 'sec-fetch-site': 'cross-site' })).status).toBe(401)
  })
})

describe('abuse limits', () => {
  it('new upgrades per address beyond MAX_UPGRADES_PER_IP_PER_SECOND (bursts of ten times it) get 429; a second later they are let in', async () => {
    const limited = await h.server({ env: { MAX_UPGRADES_PER_IP_PER_SECOND: '2' } })
    const url = `${limited.wsUrl}/${newBoardId()}`
    const statuses = await Promise.all(Array.from({ length: 30 }, () => upgradeStatus(url)))
    expect(statuses.filter((s) => s === 101).length).toBeLessThanOrEqual(21)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(9)
    expect(await metric(limited, 'roundtable_limit_rejections_total{limit="upgrades_per_ip"}')).toBeGreaterThanOrEqual(9)
    await new Promise((r) => setTimeout(r, 1100))
    expect(await upgradeStatus(url)).toBe(101)
  })

  it('HTTP API requests per address beyond MAX_API_REQUESTS_PER_IP_PER_SECOND get 429 JSON with Retry-After; pages and probes are not counted', async () => {
    const limited = await h.server({ env: { MAX_API_REQUESTS_PER_IP_PER_SECOND: '2' } })
    const answers = []
    for (let i = 0; i < 30; i++) answers.push(await fetch(`${limited.url}/api/time`))
    const refused = answers.filter((r) => r.status === 429)
    expect(refused.length).toBeGreaterThanOrEqual(9)
    expect(refused[0].headers.get('retry-after')).toBe('1')
    expect(await refused[0].json()).toEqual({ error: expect.stringMatching(/too many requests/) })
    expect((await fetch(`${limited.url}/healthz`)).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1100))
    expect((await fetch(`${limited.url}/api/time`)).status).toBe(200)
  })

  it('exports beyond MAX_CONCURRENT_EXPORTS at once get 503; the others finish', async () => {
    const limited = await h.server({ env: { MAX_CONCURRENT_EXPORTS: '1', MAX_API_REQUESTS_PER_IP_PER_SECOND: '1000' } })
    const boardId = newBoardId()
    const ws = await openRaw(`${limited.wsUrl}/${boardId}`)
    // A board with some weight, so an export takes a moment.
    ws.send(
      syncFrame(
        'update',
        makeUpdate((d) => d.getText('t').insert(0, 'x'.repeat(2_000_000))),
      ),
    )
    await eventually(async () => expect((await fetch(`${limited.url}/api/boards/${boardId}/export?format=md`)).status).toBe(200))
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => fetch(`${limited.url}/api/boards/${boardId}/export`).then((r) => r.status)),
    )
    expect(statuses).toContain(200)
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true)
    expect(statuses).toContain(503)
    ws.ws.close()
  })
})

describe('the server secret', () => {
  it('is created readable by its owner only (0600)', () => {
    expect(fs.statSync(path.join(server.dataDir, 'server-secret')).mode & 0o777).toBe(0o600)
  })
})
