import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { launchBrowser } from '../support/browser.ts'
import { writeSticky, noteWithText, joinBoard } from '../support/e2e.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')
const CLIENT_INDEX = path.resolve(import.meta.dirname, '../../client/dist/index.html')

let server: ServerProcess
let browser: Browser
const contexts: BrowserContext[] = []
/** Every request any page made to somewhere other than our server on 127.0.0.1. */
const outsideRequests: string[] = []

async function openBoard(boardId: string, name: string): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('request', (req) => {
    const url = new URL(req.url())
    if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== '127.0.0.1') outsideRequests.push(req.url())
  })
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).hostname !== '127.0.0.1') outsideRequests.push(ws.url())
  })
  await joinBoard(page, `${server.url}/b/${boardId}`, name)
  return { page, context }
}

beforeAll(async () => {
  if (!fs.existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: run "npm run build" first (npm test does)')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  server = await startServerProcess()
  browser = await launchBrowser()
})

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

describe('two people on one board', () => {
  it('see each other’s stickies and cursors live, keep them across reload, and load nothing from outside', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    const bob = await openBoard(boardId, 'Bob')

    await writeSticky(alice.page, { x: 500, y: 350 }, 'Hello from Alice')
    await noteWithText(alice.page, 'Hello from Alice').waitFor()
    const seenAt = Date.now()
    await noteWithText(bob.page, 'Hello from Alice').waitFor({ timeout: 5000 })
    const latencyMs = Date.now() - seenAt
    console.log(`Bob saw Alice's finished sticky ${latencyMs} ms after Alice saw it`)
    expect(latencyMs).toBeLessThan(1000)

    // Alice's cursor, labelled with her name, shows on Bob's screen.
    await alice.page.mouse.move(700, 500)
    await alice.page.mouse.move(720, 520)
    await bob.page.locator('.tl-nametag', { hasText: 'Alice' }).waitFor({ timeout: 5000 })
    await alice.page.screenshot({ path: path.join(ARTIFACTS, 'board-alice.png') })
    await bob.page.screenshot({ path: path.join(ARTIFACTS, 'board-bob.png') })

    // Bob writes back; Alice sees it.
    await writeSticky(bob.page, { x: 800, y: 350 }, 'Reply from Bob')
    await noteWithText(alice.page, 'Reply from Bob').waitFor({ timeout: 5000 })

    // A reload keeps everything.
    await bob.page.reload()
    await noteWithText(bob.page, 'Hello from Alice').waitFor({ timeout: 10_000 })
    await noteWithText(bob.page, 'Reply from Bob').waitFor()

    expect(outsideRequests).toEqual([])
  })

  it('keeps edits made offline and merges them on reconnect', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    const bob = await openBoard(boardId, 'Bob')

    await alice.context.setOffline(true)
    await expect.poll(() => alice.page.locator('[data-connection]').getAttribute('data-connection')).toBe('offline')
    await writeSticky(alice.page, { x: 400, y: 300 }, 'Written offline')
    await writeSticky(bob.page, { x: 800, y: 300 }, 'Bob meanwhile')
    await alice.page.screenshot({ path: path.join(ARTIFACTS, 'offline-alice.png') })
    // Nothing crossed while Alice was offline.
    expect(await noteWithText(bob.page, 'Written offline').count()).toBe(0)

    await alice.context.setOffline(false)
    await noteWithText(bob.page, 'Written offline').waitFor({ timeout: 15_000 })
    await noteWithText(alice.page, 'Bob meanwhile').waitFor({ timeout: 15_000 })
    expect(outsideRequests).toEqual([])
  })

  it('survives a server restart: clients reconnect and the board is all there', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    await writeSticky(alice.page, { x: 500, y: 300 }, 'Before restart')
    // Give the update a moment to reach the server before stopping it.
    await new Promise((r) => setTimeout(r, 300))

    const { dataDir, port } = server
    expect(await server.stop('SIGTERM')).toBe(0)
    server = await startServerProcess({ dataDir, port })
    await expect.poll(() => alice.page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 15_000 }).toBe('connected')

    // A newcomer who has never seen the board gets it from the server alone.
    const carol = await openBoard(boardId, 'Carol')
    await noteWithText(carol.page, 'Before restart').waitFor({ timeout: 10_000 })
    await carol.page.screenshot({ path: path.join(ARTIFACTS, 'after-restart-carol.png') })
  })
})
