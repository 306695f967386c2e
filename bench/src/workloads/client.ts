import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
// Chromium with the same flags as the end-to-end tests: nothing from outside, software rendering.
import { launchBrowser } from '../../../tests/support/browser.ts'
import { connect } from '../clients.ts'
import { startServer, type RunningServer } from '../servers.ts'
import { newBoard } from '../board.ts'
import { recordCount, stickyBoard, writeRecords } from '../records.ts'
import { sleep, until } from '../stats.ts'

export const BARE_DIST = path.resolve(import.meta.dirname, '../../.work/bare-dist')

export interface ClientRun {
  /** Navigation start until every sticky is in the DOM. */
  shownMs: number
  /**
   * Navigation start until the page answered input: a click on a note, sent as soon as every
   * sticky was in the DOM, has selected it (the first frame in which the editor has it selected).
   */
  ttiMs: number
  /** Frames per second while panning the zoomed-out board (requestAnimationFrame; 60 at most). */
  panFps: number
  /** Share of those frames that took over 20 ms (one or more frames dropped), in %. */
  jankPercent: number
  /** How far the camera moved while panning, in screen pixels (a pan that did not move fails). */
  panPx: number
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

/**
 * Serves the bare-tldraw build on 127.0.0.1 with the records inlined into its page: bare tldraw
 * has them locally, with no request of its own to wait for.
 */
async function serveBare(recordsJson: string): Promise<{ url: string; close(): Promise<void> }> {
  // JSON in a script element: only "<" could end it early.
  const inline = `<script type="application/json" id="bench-records">${recordsJson.replace(/</g, '\\u003c')}</script>`
  const index = fs.readFileSync(path.join(BARE_DIST, 'index.html'), 'utf8').replace('</head>', `${inline}</head>`)
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' })
      return res.end(index)
    }
    const file = path.join(BARE_DIST, path.normalize(pathname))
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
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/**
 * Installed before any page script: notes when every note is in the DOM, then when the clicked
 * note is selected, and records each frame (and the camera) while asked to. A string, because
 * functions compiled by tsx reference helpers that do not exist in the page.
 */
function probe(n: number): string {
  const participant = JSON.stringify({
    id: 'bench0000000000000000000',
    secret: 'bench'.repeat(10),
    name: 'Bench',
    color: '#1971c2',
    named: true,
  })
  return `(() => {
    const b = (window.__bench = { frames: [], cameras: [], counting: false })
    // Open Roundtable as someone who already chose a name (no dialog in the way).
    localStorage.setItem('roundtable:participant', ${JSON.stringify(participant)})
    // The page's tldraw editor, through React's fiber of the canvas: the context provider above it
    // holds the editor. Both pages run the same tldraw and neither changes for the bench.
    b.editor = () => {
      if (b.found) return b.found
      const el = document.querySelector('.tl-canvas')
      const key = el && Object.keys(el).find((k) => k.startsWith('__reactFiber$'))
      for (let f = key && el[key]; f; f = f.return) {
        const v = f.memoizedProps && f.memoizedProps.value
        if (v && typeof v.getSelectedShapeIds === 'function' && typeof v.getCamera === 'function') return (b.found = v)
      }
    }
    // A note to click: on screen and not under a panel. Null until every note is in the DOM.
    b.pick = () => {
      if (b.shownAt === undefined) return null
      const canvas = document.querySelector('.tl-canvas')
      for (const el of document.querySelectorAll('.tl-shape[data-shape-type="note"]')) {
        const r = el.getBoundingClientRect()
        const x = r.x + r.width / 2, y = r.y + r.height / 2
        if (r.width < 20 || x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue
        if (!canvas.contains(document.elementFromPoint(x, y))) continue
        b.target = el.dataset.shapeId
        return { x, y }
      }
      return null
    }
    const shown = () => {
      if (document.querySelectorAll('.tl-shape[data-shape-type="note"]').length >= ${n}) return (b.shownAt = performance.now())
      requestAnimationFrame(shown)
    }
    requestAnimationFrame(shown)
    const selected = () => {
      const editor = b.target && b.editor()
      if (editor && editor.getSelectedShapeIds().includes(b.target)) return (b.tti = performance.now())
      requestAnimationFrame(selected)
    }
    requestAnimationFrame(selected)
    const frame = (t) => {
      if (b.counting) {
        const c = b.editor().getCamera()
        b.frames.push(t)
        b.cameras.push([c.x, c.y, c.z])
      }
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  })()`
}

async function measure(browser: Browser, url: string, n: number, panMs: number, outsideRequests: string[]): Promise<ClientRun> {
  // The probe polls page globals with string predicates, which the page's CSP would refuse as eval; the bench measures speed, not the CSP.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true })
  try {
    const page = await context.newPage()
    page.on('request', (req) => {
      const u = new URL(req.url())
      if (!['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1') outsideRequests.push(req.url())
    })
    await page.addInitScript(probe(n))
    await page.goto(url)
    // Checked every frame in the page, so the click goes out as soon as the notes are there.
    const at = await page.waitForFunction('window.__bench.pick()', null, { timeout: 60_000, polling: 'raf' })
    const { x, y } = (await at.jsonValue()) as { x: number; y: number }
    await page.mouse.click(x, y)
    await page.waitForFunction('window.__bench.tti !== undefined', null, { timeout: 30_000, polling: 50 })
    const { shownMs, ttiMs } = (await page.evaluate('({ shownMs: window.__bench.shownAt, ttiMs: window.__bench.tti })')) as {
      shownMs: number
      ttiMs: number
    }
    await page.keyboard.press('Escape')
    const panned = await pan(page, panMs)
    // BENCH_SCREENSHOTS=dir keeps a picture of what was panned, to check it was the board.
    if (process.env.BENCH_SCREENSHOTS) {
      fs.mkdirSync(process.env.BENCH_SCREENSHOTS, { recursive: true })
      await page.screenshot({
        path: path.join(process.env.BENCH_SCREENSHOTS, `${new URL(url).pathname === '/' ? 'bare' : 'roundtable'}.png`),
      })
    }
    return { shownMs, ttiMs, ...panned }
  } finally {
    await context.close()
  }
}

/**
 * Zooms to fit the whole wall, then pans with the mouse wheel while recording every frame and
 * the camera in it. The frame rate counts requestAnimationFrame callbacks, which cannot exceed
 * the display's 60 Hz; a frame that took over 20 ms is one where at least one frame was dropped.
 */
async function pan(page: Page, panMs: number): Promise<Pick<ClientRun, 'panFps' | 'jankPercent' | 'panPx'>> {
  await page.mouse.move(640, 420)
  await page.keyboard.press('Shift+1')
  await sleep(500)
  await page.evaluate('window.__bench.counting = true')
  const end = Date.now() + panMs
  for (let i = 0; Date.now() < end; i++) {
    const dx = Math.round(12 * Math.sin(i / 20))
    await page.mouse.wheel(dx, 8 * Math.cos(i / 25))
  }
  const { frames, cameras } = (await page.evaluate(
    'window.__bench.counting = false, { frames: window.__bench.frames, cameras: window.__bench.cameras }',
  )) as { frames: number[]; cameras: [number, number, number][] }
  if (frames.length < 2) throw new Error('no frames while panning')
  let slow = 0
  let px = 0
  for (let i = 1; i < frames.length; i++) {
    if (frames[i] - frames[i - 1] > 20) slow++
    const [x0, y0] = cameras[i - 1]
    const [x1, y1, z] = cameras[i]
    px += Math.hypot(x1 - x0, y1 - y0) * z
  }
  if (px < 20) throw new Error(`the camera moved only ${px.toFixed(0)} px while panning`)
  return {
    panFps: ((frames.length - 1) * 1000) / (frames[frames.length - 1] - frames[0]),
    jankPercent: (100 * slow) / (frames.length - 1),
    panPx: px,
  }
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
