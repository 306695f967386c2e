import http from 'node:http'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../../../tests/support/browser.ts'
import { startServer } from '../servers.ts'
import { newBoard } from '../board.ts'

export interface PageRun {
  /** Navigation start until the page is usable (landing: "New board" visible; board: the canvas shown). */
  usableMs: number
  /** JavaScript the page fetched by then, in kB as gzip would send it (each file asked for with `accept-encoding: gzip`). */
  jsGzipkB: number
  /** The same files as the browser got them (it accepts brotli), kB on the wire. */
  jsWirekB: number
  /** The same files uncompressed, kB. */
  jsRawkB: number
  /** JavaScript files fetched by then. */
  jsFiles: number
  /** Of those, the files the server sent uncompressed. */
  uncompressedFiles: number
}

/** The body of `url` as the server sends it to a client that accepts only gzip (not decoded). */
function gzipSize(url: string): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        let bytes = 0
        res.on('data', (c: Buffer) => (bytes += c.length))
        res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/**
 * Opens `url` in a fresh browser context (the page's CSP in force, nothing cached) and sums the
 * JavaScript fetched until `usable` resolves. A CSP violation fails the run: the page must work
 * as served.
 */
async function measure(browser: Browser, url: string, usable: (page: Page) => Promise<void>): Promise<PageRun> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  try {
    const page = await context.newPage()
    const violations: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
    })
    const scripts: { url: string; wire: Promise<number>; raw: Promise<number>; encoding: Promise<string | undefined> }[] = []
    page.on('response', (res) => {
      const req = res.request()
      if (req.resourceType() !== 'script' && !/\.m?js(?:$|\?)/.test(new URL(res.url()).pathname)) return
      scripts.push({
        url: res.url(),
        wire: req.sizes().then((s) => s.responseBodySize),
        raw: res.body().then((b) => b.length),
        encoding: res.headerValue('content-encoding').then((v) => v ?? undefined),
      })
    })
    const t0 = Date.now()
    await page.goto(url)
    await usable(page)
    const usableMs = Date.now() - t0
    // Everything fetched up to now, each file once.
    const files = [...new Map(scripts.map((s) => [s.url, s])).values()]
    if (violations.length) throw new Error(`CSP violations on ${url}: ${violations.join('; ')}`)
    let wire = 0
    let raw = 0
    let gzip = 0
    let uncompressed = 0
    for (const f of files) {
      wire += await f.wire
      raw += await f.raw
      if (!(await f.encoding)) uncompressed++
      const g = await gzipSize(f.url)
      gzip += g.bytes
    }
    return {
      usableMs,
      jsGzipkB: gzip / 1000,
      jsWirekB: wire / 1000,
      jsRawkB: raw / 1000,
      jsFiles: files.length,
      uncompressedFiles: uncompressed,
    }
  } finally {
    await context.close()
  }
}

/**
 * Roundtable's landing page `/` until its "New board" button is visible, and for comparison a
 * board page until its canvas shows, `runs` times each in a fresh context.
 */
export async function landingRuns(opts: { runs: number }): Promise<{ landing: PageRun[]; board: PageRun[] }> {
  const server = await startServer('roundtable')
  let browser: Browser | undefined
  try {
    browser = await launchBrowser()
    const out = { landing: [] as PageRun[], board: [] as PageRun[] }
    for (let i = 0; i < opts.runs; i++) {
      out.landing.push(
        await measure(browser, `${server.httpUrl}/`, (page) =>
          page.getByRole('button', { name: 'New board' }).waitFor({ timeout: 30_000 }),
        ),
      )
      out.board.push(
        await measure(browser, `${server.httpUrl}/b/${newBoard('landing')}`, (page) =>
          page.locator('.tl-canvas, [role="dialog"]').first().waitFor({ timeout: 60_000 }),
        ),
      )
    }
    return out
  } finally {
    await browser?.close()
    await server.stop()
  }
}
