import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { connect } from '../clients.ts'
import { startServer, type RunningServer } from '../servers.ts'
import { newBoard } from '../board.ts'
import { recordCount, stickyBoard, writeRecords } from '../records.ts'
import { sleep, until } from '../stats.ts'

export const BARE_DIST = path.resolve(import.meta.dirname, '../../.work/bare-dist')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface ClientRun {
  /** Navigation start to the first frame after every sticky is on the canvas. */
  ttiMs: number
  /** Frames per second while panning the zoomed-out board. */
  panFps: number
}

/** Chromium with the same flags as the e2e tests: nothing from outside, software rendering. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
}

/** Serves the bare-tldraw build and the records it loads, on 127.0.0.1. */
async function serveBare(recordsJson: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname
    if (pathname === '/records.json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(recordsJson)
    }
    const file = path.join(BARE_DIST, pathname === '/' ? 'index.html' : path.normalize(pathname))
    if (!file.startsWith(BARE_DIST) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404)
      return res.end()
    }
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' })
    fs.createReadStream(file).pipe(res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((r) => {
      server.closeAllConnections()
      server.close(() => r())
    }),
  }
}

/**
 * Installed before any page script: marks the first frame after `n` notes are in the DOM, and
 * counts frames while asked to. A string, because functions compiled by tsx reference helpers
 * that do not exist in the page.
 */
function probe(n: number): string {
  const participant = JSON.stringify({ id: 'bench0000000000000000000', secret: 'bench'.repeat(10), name: 'Bench', color: '#1971c2', named: true })
  return `(() => {
    const b = (window.__bench = { frames: [], counting: false })
    // Open Roundtable as someone who already chose a name (no dialog in the way).
    localStorage.setItem('roundtable:participant', ${JSON.stringify(participant)})
    const poll = () => {
      if (document.querySelectorAll('.tl-shape[data-shape-type="note"]').length >= ${n}) {
        requestAnimationFrame(() => (b.tti = performance.now()))
        return
      }
      requestAnimationFrame(poll)
    }
    requestAnimationFrame(poll)
    const frame = (t) => {
      if (b.counting) b.frames.push(t)
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  })()`
}

async function measure(browser: Browser, url: string, n: number, panMs: number, outsideRequests: string[]): Promise<ClientRun> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  try {
    const page = await context.newPage()
    page.on('request', (req) => {
      const u = new URL(req.url())
      if (!['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1') outsideRequests.push(req.url())
    })
    await page.addInitScript(probe(n))
    await page.goto(url)
    await page.waitForFunction('window.__bench.tti !== undefined', null, { timeout: 60_000, polling: 50 })
    const ttiMs = (await page.evaluate('window.__bench.tti')) as number
    const panFps = await panFramesPerSecond(page, panMs)
    // BENCH_SCREENSHOTS=dir keeps a picture of what was panned, to check it was the board.
    if (process.env.BENCH_SCREENSHOTS) {
      fs.mkdirSync(process.env.BENCH_SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: path.join(process.env.BENCH_SCREENSHOTS, `${new URL(url).pathname === '/' ? 'bare' : 'roundtable'}.png`) })
    }
    return { ttiMs, panFps }
  } finally {
    await context.close()
  }
}

/** Zooms to fit the whole wall, then pans with the mouse wheel while counting frames. */
async function panFramesPerSecond(page: Page, panMs: number): Promise<number> {
  await page.mouse.move(640, 420)
  await page.keyboard.press('Shift+1')
  await sleep(500)
  await page.evaluate('window.__bench.counting = true')
  const end = Date.now() + panMs
  for (let i = 0; Date.now() < end; i++) {
    const dx = Math.round(12 * Math.sin(i / 20))
    await page.mouse.wheel(dx, 8 * Math.cos(i / 25))
  }
  const frames = (await page.evaluate('window.__bench.counting = false, window.__bench.frames')) as number[]
  if (frames.length < 2) return 0
  return ((frames.length - 1) * 1000) / (frames[frames.length - 1] - frames[0])
}

/**
 * Headless Chromium opens a board of `stickies` notes on Roundtable (synced from the server)
 * and in bare tldraw (the same records loaded locally), alternating, `runs` times each.
 */
export async function clientRuns(opts: { stickies: number; runs: number; panMs: number }) {
  const records = stickyBoard(opts.stickies)
  const board = newBoard('client')
  let server: RunningServer | undefined
  let bare: Awaited<ReturnType<typeof serveBare>> | undefined
  let browser: Browser | undefined
  try {
    server = await startServer('roundtable')
    const seeder = connect(server, board)
    await seeder.synced
    writeRecords(seeder.doc, records, 100)
    const check = connect(server, board)
    await check.synced
    await until(() => recordCount(check.doc) >= records.length, 60_000, 'the seeded board on the server', 20)
    seeder.destroy()
    check.destroy()
    bare = await serveBare(JSON.stringify(records))
    browser = await launchBrowser()
    const outside: string[] = []
    const result = { roundtable: [] as ClientRun[], bare: [] as ClientRun[] }
    for (let i = 0; i < opts.runs; i++) {
      // Alternate which goes first so neither always gets the warmer machine.
      const order = i % 2 === 0 ? (['roundtable', 'bare'] as const) : (['bare', 'roundtable'] as const)
      for (const which of order) {
        const url = which === 'roundtable' ? `${server.httpUrl}/b/${board}` : bare.url
        result[which].push(await measure(browser, url, opts.stickies, opts.panMs, outside))
      }
    }
    if (outside.length > 0) throw new Error(`pages loaded from outside 127.0.0.1: ${outside.slice(0, 3).join(', ')}`)
    return result
  } finally {
    await browser?.close()
    await bare?.close()
    await server?.stop()
  }
}
