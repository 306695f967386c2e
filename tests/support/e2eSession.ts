import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser } from './browser.ts'
import { joinBoard, waitUntilOnBoard } from './e2e.ts'
import { observe, type Observer } from './observer.ts'
import { startServerProcess, type ServerProcess } from './server.ts'

/** Where end-to-end tests leave screenshots and files for a person to look at. */
const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')
const CLIENT_INDEX = path.resolve(import.meta.dirname, '../../client/dist/index.html')

export const artifactPath = (name: string) => path.join(ARTIFACTS, name)

/** How a new browser profile (one person's computer) differs from a plain one. */
export interface Profile {
  /** Makes this computer's clock wrong by this much: `Date.now()`, `new Date()` and `performance.timeOrigin` in its pages are shifted. */
  clockShiftMs?: number
  /** Lets its pages read and write the clipboard: on the session's server (true) or on this origin. */
  clipboard?: boolean | string
  /** The screen: its size (1280×800 unless told) and, for a phone or tablet, a touch screen. */
  device?: { width: number; height: number; touch?: boolean }
}

export interface E2eSession {
  /** The server of this file (the new one after `restartServer`). */
  readonly server: ServerProcess
  /** Every request any page of the session made to somewhere other than 127.0.0.1. */
  readonly outsideRequests: string[]
  /**
   * Content-Security-Policy violations the session's pages reported since the last test ended,
   * and pages served without a CSP. After every test both must be empty (checked here).
   */
  readonly cspProblems: string[]
  /** A page in a new browser profile (1280×800), closed when the file's tests end. */
  newPage(profile?: Profile): Promise<Page>
  /** Opens `pathname` on the server in a new profile and joins under `name` (see `joinBoard`). */
  join(pathname: string, name: string, profile?: Profile): Promise<Page>
  /** `join` on the board's edit link. */
  openBoard(boardId: string, name: string, profile?: Profile): Promise<Page>
  /** The same person (same profile: identity and IndexedDB) coming back to the board in a new tab. */
  comeBack(person: Page, boardId: string): Promise<Page>
  /** The path of the board's view-only link, as the server hands it out. */
  viewPath(boardId: string): Promise<string>
  /** A raw peer on the board that records all it receives (see observer.ts), closed at the end. */
  observe(boardId: string): Promise<Observer>
  /** Stops the server with SIGTERM and starts it again on the same port and data; resolves with the old one's exit code. */
  restartServer(): Promise<number | null>
  /** Screenshot of the page into tests/artifacts/`name`.png. */
  shot(page: Page, name: string): Promise<void>
}

/**
 * The setup every end-to-end file shares. Call it once at the top of a test file: before its tests
 * it starts the built server on a free port with a temporary DATA_DIR and launches Chromium; after
 * them it closes every observer, profile and the browser, and stops the server. `defaults` applies
 * to every profile the file opens.
 */
export function useE2eSession(defaults: Profile = {}): E2eSession {
  let server: ServerProcess | undefined
  let browser: Browser | undefined
  const contexts: BrowserContext[] = []
  const observers: Observer[] = []
  const outsideRequests: string[] = []
  const cspProblems: string[] = []

  beforeAll(async () => {
    if (!fs.existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: run "npm run build" first (npm test does)')
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    server = await startServerProcess()
    browser = await launchBrowser()
  })

  afterAll(async () => {
    for (const observer of observers) observer.close()
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  // Every test runs its pages with the CSP the server sends, and must not trip it.
  afterEach(() => {
    const problems = cspProblems.splice(0)
    expect(problems, 'CSP violations or pages without a CSP').toEqual([])
  })

  const started = () => {
    if (!server || !browser) throw new Error('the e2e session is used before its beforeAll ran')
    return { server, browser }
  }

  function watch(page: Page) {
    page.on('response', async (res) => {
      if (res.request().resourceType() !== 'document' || !res.url().startsWith(started().server.url)) return
      if (!(await res.headerValue('content-security-policy'))) cspProblems.push(`no CSP on ${res.url()}`)
    })
    page.on('request', (req) => {
      const url = new URL(req.url())
      if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== '127.0.0.1') outsideRequests.push(req.url())
    })
    page.on('websocket', (ws) => {
      if (new URL(ws.url()).hostname !== '127.0.0.1') outsideRequests.push(ws.url())
    })
    return page
  }

  const session: E2eSession = {
    get server() {
      return started().server
    },
    outsideRequests,
    cspProblems,

    async newPage(profile = {}) {
      const { clockShiftMs, clipboard, device } = { ...defaults, ...profile }
      const { width = 1280, height = 800, touch = false } = device ?? {}
      const context = await started().browser.newContext({ viewport: { width, height }, hasTouch: touch, isMobile: touch })
      contexts.push(context)
      // The browser's own report of each violation, from every page and frame of the profile.
      await context.exposeBinding('__reportCspViolation', (_source, text: string) => void cspProblems.push(text))
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          const report = (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation
          report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`)
        })
      })
      if (clockShiftMs) {
        await context.addInitScript((shift: number) => {
          const RealDate = Date
          const realNow = RealDate.now.bind(RealDate)
          // `new Date()` reads the shifted clock too; `new Date(x)` and Date's statics are unchanged.
          class ShiftedDate extends RealDate {
            constructor(...args: unknown[]) {
              if (args.length === 0) super(realNow() + shift)
              else super(...(args as [string]))
            }
            static now() {
              return realNow() + shift
            }
          }
          globalThis.Date = ShiftedDate as DateConstructor
          const origin = performance.timeOrigin + shift
          Object.defineProperty(performance, 'timeOrigin', { get: () => origin })
        }, clockShiftMs)
      }
      if (clipboard) {
        const origin = typeof clipboard === 'string' ? clipboard : started().server.url
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
      }
      return watch(await context.newPage())
    },

    async join(pathname, name, profile) {
      const page = await session.newPage(profile)
      await joinBoard(page, `${started().server.url}${pathname}`, name)
      return page
    },

    openBoard: (boardId, name, profile) => session.join(`/b/${boardId}`, name, profile),

    async comeBack(person, boardId) {
      const page = watch(await person.context().newPage())
      await page.goto(`${started().server.url}/b/${boardId}`)
      await waitUntilOnBoard(page)
      return page
    },

    async viewPath(boardId) {
      const res = await fetch(`${started().server.url}/api/boards/${boardId}/view-link`)
      return ((await res.json()) as { path: string }).path
    },

    async observe(boardId) {
      const observer = await observe(started().server.wsUrl, boardId)
      observers.push(observer)
      return observer
    },

    async restartServer() {
      const { dataDir, port } = started().server
      const code = await started().server.stop('SIGTERM')
      server = await startServerProcess({ dataDir, port })
      return code
    },

    async shot(page, name) {
      await page.screenshot({ path: artifactPath(`${name}.png`) })
    },
  }
  return session
}
