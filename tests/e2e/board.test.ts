import { describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import { connectionState, noteWithText, waitUntilOnBoard, writeSticky } from '../support/e2e.ts'
import { artifactPath, useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

describe('the landing page', () => {
  it('loads without the board’s code, compressed, and “New board” then opens a board', async () => {
    const page = await e2e.newPage()
    const scripts: { url: string; encoding: Promise<string | null> }[] = []
    page.on('response', (res) => {
      if (res.request().resourceType() === 'script') scripts.push({ url: res.url(), encoding: res.headerValue('content-encoding') })
    })
    await page.goto(`${e2e.server.url}/`)
    await page.getByRole('button', { name: 'New board' }).waitFor()
    const landing = scripts.splice(0)
    expect(landing.length).toBeGreaterThan(0)
    // The board (tldraw, Yjs) and the file import come in chunks of their own, fetched only when needed.
    expect(landing.map((s) => new URL(s.url).pathname).filter((p) => /BoardPage|pendingImport/.test(p))).toEqual([])
    for (const s of landing) expect(await s.encoding, s.url).toMatch(/^(?:br|gzip)$/)

    await page.getByRole('button', { name: 'New board' }).click()
    await page.getByLabel('Your name').fill('Dana')
    await page.getByRole('button', { name: 'Join board' }).click()
    await waitUntilOnBoard(page)
    expect(new URL(page.url()).pathname).toMatch(/^\/b\/[A-Za-z0-9_-]{24}$/)
    expect(scripts.some((s) => /BoardPage/.test(new URL(s.url).pathname))).toBe(true)
  })
})

describe('two people on one board', () => {
  it('see each other’s stickies and cursors live, keep them across reload, and load nothing from outside', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')

    await writeSticky(alice, { x: 500, y: 350 }, 'Hello from Alice')
    await noteWithText(alice, 'Hello from Alice').waitFor()
    const seenAt = Date.now()
    await noteWithText(bob, 'Hello from Alice').waitFor({ timeout: 5000 })
    const latencyMs = Date.now() - seenAt
    console.log(`Bob saw Alice's finished sticky ${latencyMs} ms after Alice saw it`)
    expect(latencyMs).toBeLessThan(1000)

    // Alice's cursor, labelled with her name, shows on Bob's screen.
    await alice.mouse.move(700, 500)
    await alice.mouse.move(720, 520)
    await bob.locator('.tl-nametag', { hasText: 'Alice' }).waitFor({ timeout: 5000 })
    await e2e.shot(alice, 'board-alice')
    await e2e.shot(bob, 'board-bob')

    // Bob writes back; Alice sees it.
    await writeSticky(bob, { x: 800, y: 350 }, 'Reply from Bob')
    await noteWithText(alice, 'Reply from Bob').waitFor({ timeout: 5000 })

    // A reload keeps everything.
    await bob.reload()
    await noteWithText(bob, 'Hello from Alice').waitFor({ timeout: 10_000 })
    await noteWithText(bob, 'Reply from Bob').waitFor()

    expect(e2e.outsideRequests).toEqual([])
  })

  it('keeps edits made offline and merges them on reconnect', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')

    await alice.context().setOffline(true)
    await expect.poll(() => connectionState(alice)).toBe('offline')
    await writeSticky(alice, { x: 400, y: 300 }, 'Written offline')
    await writeSticky(bob, { x: 800, y: 300 }, 'Bob meanwhile')
    await e2e.shot(alice, 'offline-alice')
    // Nothing crossed while Alice was offline.
    expect(await noteWithText(bob, 'Written offline').count()).toBe(0)

    await alice.context().setOffline(false)
    await noteWithText(bob, 'Written offline').waitFor({ timeout: 15_000 })
    await noteWithText(alice, 'Bob meanwhile').waitFor({ timeout: 15_000 })
    expect(e2e.outsideRequests).toEqual([])
  })

  it('survives a server restart: clients reconnect and the board is all there', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    await writeSticky(alice, { x: 500, y: 300 }, 'Before restart')
    // Give the update a moment to reach the server before stopping it.
    await new Promise((r) => setTimeout(r, 300))

    expect(await e2e.restartServer()).toBe(0)
    await expect.poll(() => connectionState(alice), { timeout: 15_000 }).toBe('connected')

    // A newcomer who has never seen the board gets it from the server alone.
    const carol = await e2e.openBoard(boardId, 'Carol')
    await noteWithText(carol, 'Before restart').waitFor({ timeout: 10_000 })
    await e2e.shot(carol, 'after-restart-carol')
  })
})

describe('colours', () => {
  it('a newcomer starts on a free colour; the name dialog shows which are taken and by whom', async () => {
    const boardId = newBoardId()
    const ann = await e2e.openBoard(boardId, 'Ann')
    const ben = await e2e.openBoard(boardId, 'Ben')
    const colorOf = (page: typeof ann) => page.locator('.name-chip .dot').evaluate((el) => getComputedStyle(el).backgroundColor)
    expect(await colorOf(ann)).not.toBe(await colorOf(ben))

    // Cy opens the link: before choosing, the dialog marks Ann's and Ben's colours and starts on neither.
    const cy = await e2e.newPage()
    await cy.goto(`${e2e.server.url}/b/${boardId}`)
    await cy.getByLabel('Your name').waitFor()
    const swatches = cy.getByRole('radiogroup', { name: 'Your colour' }).getByRole('radio')
    await expect.poll(() => cy.locator('[data-taken-by="Ann"]').count()).toBe(1)
    await expect.poll(() => cy.locator('[data-taken-by="Ben"]').count()).toBe(1)
    const checked = swatches.and(cy.locator('[aria-checked="true"]'))
    await expect.poll(() => checked.getAttribute('data-taken-by')).toBe('')
    expect(await cy.locator('[data-taken-by="Ann"]').getAttribute('aria-label')).toMatch(/taken by Ann$/)
    await cy.getByLabel('Your name').fill('Cy')
    await cy.locator('.dialog').screenshot({ path: artifactPath('name-dialog-cy.png') })
    await cy.getByRole('button', { name: 'Join board' }).click()
    await expect.poll(async () => new Set([await colorOf(ann), await colorOf(ben), await colorOf(cy)]).size).toBe(3)
  })
})
