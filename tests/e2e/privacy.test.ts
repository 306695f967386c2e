import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { boardRecords, MESSAGE_ROUNDTABLE, newBoardId, plainText, votesMap, type JsonRecord } from '@roundtable/shared'
import { launchBrowser } from '../support/browser.ts'
import { joinBoard, noteWithText, waitUntilOnBoard, writeSticky } from '../support/e2e.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { clientIdsWriting, observe, type Observer } from '../support/observer.ts'

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')
const CLIENT_INDEX = path.resolve(import.meta.dirname, '../../client/dist/index.html')

let server: ServerProcess
let browser: Browser
const contexts: BrowserContext[] = []
const observers: Observer[] = []

interface Person {
  page: Page
  context: BrowserContext
}

/** Opens the board in a fresh browser profile and joins under `name`. */
async function openBoard(boardId: string, name: string): Promise<Person> {
  return openPath(`/b/${boardId}`, name)
}

async function openPath(pathname: string, name: string): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  await joinBoard(page, `${server.url}${pathname}`, name)
  return { page, context }
}

/** The same person (same profile: same identity and IndexedDB) coming back in a new tab. */
async function comeBack(person: Person, boardId: string): Promise<Person> {
  const page = await person.context.newPage()
  await page.goto(`${server.url}/b/${boardId}`)
  await waitUntilOnBoard(page)
  return { page, context: person.context }
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(250)
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) })
}

/** Screen boxes of the notes holding these texts; fails if any is missing or two overlap. */
async function expectNoOverlap(page: Page, texts: string[]) {
  const boxes = []
  for (const t of texts) {
    const box = await noteWithText(page, t).boundingBox()
    expect(box, `note "${t}" is on screen`).not.toBeNull()
    boxes.push({ t, ...box! })
  }
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]]
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
      expect(overlap, `"${a.t}" overlaps "${b.t}"`).toBe(false)
    }
}

/** The note records in the observer's copy of the doc whose text is one of `texts`. */
function publishedNotes(observer: Observer, texts: string[]): JsonRecord[] {
  return [...boardRecords(observer.doc).map.values()]
    .map((e) => e.val)
    .filter((r) => r.type === 'note' && texts.includes(plainText((r.props as { richText?: unknown }).richText)))
}

async function startRound(page: Page, opts: { prompt: string; minutes: string; anonymous: boolean }) {
  await page.getByRole('button', { name: 'Start a silent round…' }).click()
  await page.getByLabel('Prompt (shown to everyone)').fill(opts.prompt)
  await page.getByLabel('Timebox in minutes (empty: none)').fill(opts.minutes)
  if (opts.anonymous) await page.getByLabel('Publish anonymously').check()
  await page.getByRole('button', { name: 'Start round' }).click()
}

beforeAll(async () => {
  if (!fs.existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: run "npm run build" first (npm test does)')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  server = await startServerProcess()
  browser = await launchBrowser()
})

afterAll(async () => {
  for (const o of observers) o.close()
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

describe('safe to speak', () => {
  it('an anonymous silent round: private drafts (kept across a reload), counts for others, one reveal for all, late drafts published on return by choice', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    const bob = await openBoard(boardId, 'Bob')
    const carol = await openBoard(boardId, 'Carol')
    const peer = await observe(server.wsUrl, boardId)
    observers.push(peer)
    await shot(alice.page, 'privacy-idle-alice')

    await startRound(alice.page, { prompt: 'What slows us down?', minutes: '', anonymous: true })
    await bob.page.getByText('What slows us down?').waitFor()
    await carol.page.getByText('What slows us down?').waitFor()

    await writeSticky(alice.page, { x: 350, y: 300 }, 'Too many meetings')
    await writeSticky(alice.page, { x: 600, y: 300 }, 'Flaky deploys')
    await writeSticky(bob.page, { x: 450, y: 450 }, 'Unclear priorities')
    await writeSticky(carol.page, { x: 500, y: 350 }, 'Slow code review')
    await expect.poll(() => alice.page.getByTestId('my-draft-count').textContent()).toContain('Your private drafts: 2')
    // Drafts look private to their writer.
    await expect.poll(() => alice.page.locator('.pv-draft', { hasText: 'Private draft' }).count()).toBe(2)

    // Others see how many, never what.
    await bob.page.locator('[data-drafts-of="Alice"]', { hasText: 'Alice: 2 drafts' }).waitFor()
    await bob.page.locator('[data-drafts-of="Carol"]', { hasText: 'Carol: 1 draft' }).waitFor()
    await alice.page.locator('[data-drafts-of="Bob"]', { hasText: 'Bob: 1 draft' }).waitFor()
    expect(await noteWithText(bob.page, 'Too many meetings').count()).toBe(0)
    expect(await noteWithText(alice.page, 'Unclear priorities').count()).toBe(0)
    expect(await bob.page.locator('.pv-draft').count()).toBe(1)
    await shot(alice.page, 'privacy-round-alice')
    await shot(bob.page, 'privacy-round-bob')

    // A reload keeps Alice's drafts (IndexedDB on her device).
    await alice.page.reload()
    await waitUntilOnBoard(alice.page)
    await noteWithText(alice.page, 'Too many meetings').waitFor({ timeout: 10_000 })
    await noteWithText(alice.page, 'Flaky deploys').waitFor()
    await bob.page.locator('[data-drafts-of="Alice"]', { hasText: 'Alice: 2 drafts' }).waitFor()

    // Carol leaves before the reveal, with her draft on her device.
    await carol.page.close()
    await bob.page.locator('[data-drafts-of="Carol"]').waitFor({ state: 'detached' })

    // Nothing private crossed the wire to a peer.
    const drafts = ['Too many meetings', 'Flaky deploys', 'Unclear priorities', 'Slow code review']
    for (const t of drafts) expect(peer.text()).not.toContain(t)

    await bob.page.getByRole('button', { name: 'Reveal everyone’s notes' }).click()
    const present = drafts.slice(0, 3)
    await alice.page.getByText('Published your 2 notes anonymously.').waitFor({ timeout: 10_000 })
    await bob.page.getByText('Published your 1 note anonymously.').waitFor({ timeout: 10_000 })
    for (const page of [alice.page, bob.page]) {
      await page.getByTestId('revealed-count').filter({ hasText: 'Revealed 3 notes, with no names' }).waitFor({ timeout: 10_000 })
      await page.getByRole('button', { name: 'Show the notes' }).click()
      // Each note exactly once: the drafts left the canvas as the notes arrived.
      for (const t of present) await expect.poll(() => noteWithText(page, t).count()).toBe(1)
      await expectNoOverlap(page, present)
    }
    await expect.poll(() => alice.page.locator('.pv-draft').count()).toBe(0)
    await shot(bob.page, 'privacy-revealed-bob')

    // No author link: no id in meta, and Yjs says the server wrote them, not any person's client.
    await expect.poll(() => publishedNotes(peer, present).length).toBe(3)
    const people = new Set(peer.clientsSeen)
    expect(people.size).toBeGreaterThanOrEqual(3)
    for (const note of publishedNotes(peer, present)) {
      expect(note.meta).toEqual({})
      expect((note.props as { textLastEditedBy: unknown }).textLastEditedBy).toBeNull()
    }
    for (const t of present)
      for (const writer of clientIdsWriting(peer.doc, t)) expect(people.has(writer), `${t} written by a person`).toBe(false)

    // Carol comes back after the reveal. Publishing alone would give her away, so she is asked;
    // she publishes, and her note goes into the grid, clear of the others.
    const carolAgain = await comeBack(carol, boardId)
    await carolAgain.page
      .getByTestId('late-drafts')
      .filter({ hasText: 'Your 1 draft is still only on this device' })
      .waitFor({ timeout: 10_000 })
    expect(peer.text()).not.toContain('Slow code review')
    await shot(carolAgain.page, 'privacy-late-carol')
    await carolAgain.page.getByRole('button', { name: 'Publish anyway' }).click()
    await carolAgain.page.getByText('Published your 1 note anonymously.').waitFor({ timeout: 10_000 })
    await noteWithText(alice.page, 'Slow code review').waitFor({ timeout: 10_000 })
    await alice.page.getByTestId('revealed-count').filter({ hasText: 'Revealed 4 notes' }).waitFor()
    await alice.page.getByRole('button', { name: 'Show the notes' }).click()
    await expectNoOverlap(alice.page, drafts)
    expect(publishedNotes(peer, ['Slow code review'])[0]?.meta).toEqual({})
    await shot(alice.page, 'privacy-late-alice')
  })

  it('a timeboxed round with names reveals itself when time is up', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    const bob = await openBoard(boardId, 'Bob')
    const peer = await observe(server.wsUrl, boardId)
    observers.push(peer)

    await startRound(alice.page, { prompt: 'One wish', minutes: '0.1', anonymous: false })
    await bob.page.getByText('One wish').waitFor()
    await expect.poll(() => bob.page.locator('.pv-timer').textContent()).toMatch(/0:0\d left/)
    await writeSticky(bob.page, { x: 500, y: 400 }, 'Quieter office')
    await shot(bob.page, 'privacy-timed-round-bob')
    expect(peer.text()).not.toContain('Quieter office')

    // Nobody clicks reveal: the timebox ends the round.
    await noteWithText(alice.page, 'Quieter office').waitFor({ timeout: 15_000 })
    await alice.page.getByTestId('revealed-count').filter({ hasText: 'Revealed 1 note.' }).waitFor()
    await expect.poll(() => noteWithText(bob.page, 'Quieter office').count()).toBe(1)
    // Published with names: the note says who wrote it.
    await expect
      .poll(() => (publishedNotes(peer, ['Quieter office'])[0]?.meta as { createdBy?: string } | undefined)?.createdBy)
      .toBeTruthy()
  })

  it('a secret dot vote: own dots only, hidden totals, voter count, close, totals and ranked results; then a timeboxed vote on a selection', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    const bob = await openBoard(boardId, 'Bob')
    const peer = await observe(server.wsUrl, boardId)
    observers.push(peer)
    await writeSticky(alice.page, { x: 300, y: 300 }, 'Ship weekly')
    await writeSticky(alice.page, { x: 550, y: 300 }, 'Pair more')
    await writeSticky(alice.page, { x: 800, y: 300 }, 'Fewer meetings')
    await noteWithText(bob.page, 'Fewer meetings').waitFor()

    await bob.page.getByRole('button', { name: 'Start a dot vote…' }).click()
    await shot(bob.page, 'privacy-vote-form-bob')
    await bob.page.getByRole('button', { name: 'Start vote' }).click()
    await alice.page.getByTestId('dots-left').waitFor()
    expect(await alice.page.getByTestId('voter-count').textContent()).toBe('0 people have voted')

    await alice.page.getByRole('button', { name: 'Add a dot to “Pair more”' }).click()
    await expect.poll(() => alice.page.locator('[data-vote-note="Pair more"] [data-my-dots]').getAttribute('data-my-dots')).toBe('1')
    await alice.page.getByRole('button', { name: 'Add a dot to “Pair more”' }).click()
    await alice.page.getByRole('button', { name: 'Add a dot to “Ship weekly”' }).click()
    await expect.poll(() => alice.page.getByTestId('dots-left').textContent()).toContain('You have 0 of 3')
    // Out of dots: a dot moves by taking one back first.
    expect(await alice.page.getByRole('button', { name: 'Add a dot to “Fewer meetings”' }).isDisabled()).toBe(true)
    await alice.page.getByRole('button', { name: 'Remove a dot from “Ship weekly”' }).click()
    await expect.poll(() => alice.page.locator('[data-vote-note="Ship weekly"] [data-my-dots]').getAttribute('data-my-dots')).toBe('0')
    await alice.page.getByRole('button', { name: 'Add a dot to “Fewer meetings”' }).click()
    await bob.page.getByRole('button', { name: 'Add a dot to “Pair more”' }).click()

    await bob.page.getByTestId('voter-count').filter({ hasText: '2 people have voted' }).waitFor()
    // Nobody's cursor is shared while the vote is open: one hovering a note's dots would give the voter away.
    await alice.page.mouse.move(560, 430)
    await alice.page.mouse.move(580, 440)
    const present = () => [...peer.awareness.getStates().values()].filter((s) => s.presence).length
    await expect.poll(present).toBe(0)
    expect(peer.awareness.getStates().size).toBeGreaterThanOrEqual(2)
    // Someone with the view-only link follows the vote but has no dots to place.
    const { path: viewPath } = (await (await fetch(`${server.url}/api/boards/${boardId}/view-link`)).json()) as { path: string }
    const viewer = await openPath(viewPath, 'Victor')
    await viewer.page.getByTestId('voter-count').filter({ hasText: '2 people have voted' }).waitFor()
    await viewer.page.getByText('You are viewing: voting needs the board’s edit link.').waitFor()
    expect(await viewer.page.getByRole('button', { name: /Add a dot/ }).count()).toBe(0)
    expect(await viewer.page.getByRole('button', { name: 'Close vote and show results' }).count()).toBe(0)
    await shot(viewer.page, 'privacy-vote-viewer')
    // Bob does not see Alice's dots, and nobody sees totals while the vote is open.
    expect(await bob.page.locator('[data-vote-note="Fewer meetings"] [data-my-dots]').getAttribute('data-my-dots')).toBe('0')
    expect(await alice.page.locator('[data-total]').count()).toBe(0)
    expect(await bob.page.locator('[data-total]').count()).toBe(0)
    // Alice's dots survive her reload: they come back from the server, to her only.
    await alice.page.reload()
    await waitUntilOnBoard(alice.page)
    await expect.poll(() => alice.page.locator('[data-vote-note="Pair more"] [data-my-dots]').getAttribute('data-my-dots')).toBe('2')
    await shot(alice.page, 'privacy-vote-open-alice')
    await shot(bob.page, 'privacy-vote-open-bob')

    await alice.page.getByRole('button', { name: 'Close vote and show results' }).click()
    for (const page of [alice.page, bob.page, viewer.page]) {
      const ranked = page.getByRole('list', { name: 'Ranked results' }).getByRole('listitem')
      await expect.poll(() => ranked.allTextContents()).toEqual(['#1Pair more3 votes', '#2Fewer meetings1 vote', '#3Ship weekly0 votes'])
      expect(await page.locator('[data-vote-note="Pair more"] [data-total]').getAttribute('data-total')).toBe('3')
    }
    expect(await viewer.page.getByRole('button', { name: 'New vote…' }).count()).toBe(0)
    // Closed: cursors are back.
    await alice.page.mouse.move(600, 500)
    await expect.poll(present).toBeGreaterThan(0)
    await viewer.page.getByRole('button', { name: 'Hide results' }).click()
    await viewer.page.getByRole('list', { name: 'Ranked results' }).waitFor({ state: 'detached' })
    await shot(bob.page, 'privacy-vote-results-bob')
    // The peer saw totals, never a ballot: the published vote names nobody, no request or reply
    // reached it, and no secret crossed its socket.
    const who = await Promise.all(
      [alice.page, bob.page].map((p) =>
        p.evaluate(() => JSON.parse(localStorage.getItem('roundtable:participant') ?? '{}') as { id: string; secret: string }),
      ),
    )
    const published = JSON.stringify(votesMap(peer.doc).toJSON())
    expect(published).toContain('"status":"closed"')
    for (const { id, secret } of who) {
      expect(id && secret).toBeTruthy()
      expect(published).not.toContain(id)
      expect(peer.text()).not.toContain(secret)
    }
    expect(peer.typesSeen().has(MESSAGE_ROUNDTABLE)).toBe(false)

    // A second vote, on a selection, one dot per note, that ends by itself.
    await alice.page.keyboard.press('Escape')
    await noteWithText(alice.page, 'Ship weekly').click()
    await noteWithText(alice.page, 'Fewer meetings').click({ modifiers: ['Shift'] })
    await alice.page.getByRole('button', { name: 'New vote…' }).click()
    await alice.page.getByLabel('The 2 selected notes').check()
    await alice.page.getByLabel('Dots per person').fill('2')
    await alice.page.getByLabel('Several dots on one note').uncheck()
    await alice.page.getByLabel('Timebox in minutes (empty: none)').fill('0.1')
    await alice.page.getByRole('button', { name: 'Start vote' }).click()
    await bob.page.getByTestId('dots-left').filter({ hasText: 'You have 2 of 2' }).waitFor()
    expect(await bob.page.locator('[data-vote-note="Pair more"]').count()).toBe(0)
    await bob.page.getByRole('button', { name: 'Add a dot to “Ship weekly”' }).click()
    await expect.poll(() => bob.page.getByRole('button', { name: 'Add a dot to “Ship weekly”' }).isDisabled()).toBe(true)
    await bob.page.getByRole('button', { name: 'Add a dot to “Fewer meetings”' }).click()
    await alice.page.getByTestId('voter-count').filter({ hasText: '1 person has voted' }).waitFor()
    await shot(alice.page, 'privacy-vote-selection-alice')
    // Nobody closes it: the timebox does.
    for (const page of [alice.page, bob.page]) {
      const ranked = page.getByRole('list', { name: 'Ranked results' }).getByRole('listitem')
      await expect.poll(() => ranked.allTextContents(), { timeout: 15_000 }).toEqual(['#1Ship weekly1 vote', '#1Fewer meetings1 vote'])
    }
  })
})
