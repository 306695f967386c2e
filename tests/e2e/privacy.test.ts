import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { boardRecords, MESSAGE_REQUEST, newBoardId, plainText, votesMap, type JsonRecord } from '@roundtable/shared'
import { connectionState, noteWithText, openPanel, waitUntilOnBoard, writeSticky } from '../support/e2e.ts'
import { artifactPath, useE2eSession } from '../support/e2eSession.ts'
import { clientIdsWriting, type Observer } from '../support/observer.ts'

const e2e = useE2eSession()

async function shot(page: Page, name: string) {
  await page.waitForTimeout(250)
  await e2e.shot(page, name)
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

/** How many dots this person has on the note with this text, as their own screen shows. */
const myDots = (page: Page, note: string) => page.locator(`[data-vote-note="${note}"] [data-my-dots]`).getAttribute('data-my-dots')

/** The closed vote's results, best first, as shown on this page. */
const rankedResults = (page: Page) => page.getByRole('list', { name: 'Ranked results' }).getByRole('listitem').allTextContents()

async function startRound(page: Page, opts: { prompt: string; minutes: string; anonymous: boolean }) {
  await openPanel(page, 'brainstorm')
  await page.getByRole('button', { name: 'Start a silent round…' }).click()
  await page.getByLabel('Prompt (shown to everyone)').fill(opts.prompt)
  await page.getByLabel('Timebox in minutes (empty: none)').fill(opts.minutes)
  if (opts.anonymous) await page.getByLabel('Publish anonymously').check()
  await page.getByRole('button', { name: 'Start round' }).click()
}

describe('safe to speak', () => {
  it('an anonymous silent round: private drafts (kept across a reload), counts for others, one reveal for all, late drafts published on return by choice', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')
    const carol = await e2e.openBoard(boardId, 'Carol')
    const peer = await e2e.observe(boardId)
    await shot(alice, 'privacy-idle-alice')

    // Alice's cursor, as any other browser receives it from the server.
    const aliceClient = () => [...peer.awareness.getStates()].find(([, s]) => (s.user as { name?: string })?.name === 'Alice')?.[0]
    const aliceCursor = () => {
      const id = aliceClient()
      return id === undefined ? undefined : (peer.awareness.getStates().get(id)?.presence as { cursor?: unknown } | null)?.cursor
    }
    await alice.mouse.move(700, 420)
    await expect.poll(aliceCursor).toBeTruthy()

    await startRound(alice, { prompt: 'What slows us down?', minutes: '', anonymous: true })
    await bob.getByText('What slows us down?').waitFor()
    await carol.getByText('What slows us down?').waitFor()
    // While people write, where they write is theirs: no cursor goes out, only that they are here.
    await expect.poll(aliceCursor).toBeUndefined()
    expect(aliceClient()).toBeDefined()
    const cursorsInRound: unknown[] = []
    const recordCursor = () => {
      const cursor = aliceCursor()
      if (cursor) cursorsInRound.push(cursor)
    }
    peer.awareness.on('change', recordCursor)

    await writeSticky(alice, { x: 350, y: 300 }, 'Too many meetings')
    await writeSticky(alice, { x: 600, y: 300 }, 'Flaky deploys')
    await writeSticky(bob, { x: 450, y: 450 }, 'Unclear priorities')
    await writeSticky(carol, { x: 500, y: 350 }, 'Slow code review')
    await expect.poll(() => alice.getByTestId('my-draft-count').textContent()).toContain('Your private drafts: 2')
    // Drafts look private to their writer.
    await expect.poll(() => alice.locator('.pv-draft', { hasText: 'Private draft' }).count()).toBe(2)

    // Others see how many, never what.
    await bob.locator('[data-drafts-of="Alice"]', { hasText: 'Alice: 2 drafts' }).waitFor()
    await bob.locator('[data-drafts-of="Carol"]', { hasText: 'Carol: 1 draft' }).waitFor()
    await alice.locator('[data-drafts-of="Bob"]', { hasText: 'Bob: 1 draft' }).waitFor()
    expect(await noteWithText(bob, 'Too many meetings').count()).toBe(0)
    expect(await noteWithText(alice, 'Unclear priorities').count()).toBe(0)
    expect(await bob.locator('.pv-draft').count()).toBe(1)
    await shot(alice, 'privacy-round-alice')
    await shot(bob, 'privacy-round-bob')

    // A reload keeps Alice's drafts (IndexedDB on her device).
    await alice.reload()
    await waitUntilOnBoard(alice)
    await noteWithText(alice, 'Too many meetings').waitFor({ timeout: 10_000 })
    await noteWithText(alice, 'Flaky deploys').waitFor()
    await bob.locator('[data-drafts-of="Alice"]', { hasText: 'Alice: 2 drafts' }).waitFor()

    // Carol leaves before the reveal, with her draft on her device.
    await carol.close()
    await bob.locator('[data-drafts-of="Carol"]').waitFor({ state: 'detached' })

    // Nothing private crossed the wire to a peer.
    const drafts = ['Too many meetings', 'Flaky deploys', 'Unclear priorities', 'Slow code review']
    for (const t of drafts) expect(peer.text()).not.toContain(t)

    peer.awareness.off('change', recordCursor)
    expect(cursorsInRound, 'Alice’s cursor reached others during the round').toEqual([])
    // Bob's tldraw shows no cursor of Alice's either; his people list shows her here, writing.
    expect(await bob.locator('.tl-collaborator__cursor').count()).toBe(0)
    expect(await bob.locator('[data-person="Alice"] .fac-sub').textContent()).toBe('in the silent round')

    await bob.getByRole('button', { name: 'Reveal everyone’s notes' }).click()
    const present = drafts.slice(0, 3)
    await alice.locator('.pv-message', { hasText: 'Published your 2 notes anonymously.' }).waitFor({ timeout: 10_000 })
    await bob.locator('.pv-message', { hasText: 'Published your 1 note anonymously.' }).waitFor({ timeout: 10_000 })
    for (const page of [alice, bob]) {
      await page.getByTestId('revealed-count').filter({ hasText: 'Revealed 3 notes, with no names' }).waitFor({ timeout: 10_000 })
      await page.getByRole('button', { name: 'Show the notes' }).click()
      // Each note exactly once: the drafts left the canvas as the notes arrived.
      for (const t of present) await expect.poll(() => noteWithText(page, t).count()).toBe(1)
      await expectNoOverlap(page, present)
    }
    await expect.poll(() => alice.locator('.pv-draft').count()).toBe(0)
    await shot(bob, 'privacy-revealed-bob')

    // After the reveal Alice's cursor goes out again, and the server's presence rules took it all.
    await alice.mouse.move(650, 380)
    await alice.mouse.move(660, 390)
    await expect.poll(aliceCursor).toBeTruthy()
    expect(await connectionState(alice)).toBe('connected')

    // Participation credits who wrote from the counts everyone saw, and invites neither of them.
    for (const page of [alice, bob]) {
      await expect.poll(() => page.locator('[data-participant="Alice"] .sm-counts').textContent()).toContain('wrote in the silent round')
      await expect.poll(() => page.locator('[data-participant="Bob"] .sm-counts').textContent()).toContain('wrote in the silent round')
      expect((await page.locator('.sm-invite').allTextContents()).join(' ')).not.toMatch(/Alice|Bob/)
    }
    await openPanel(bob, 'participation')
    await bob.getByRole('region', { name: 'Participation balance' }).screenshot({ path: artifactPath('privacy-participation-bob.png') })

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
    const carolAgain = await e2e.comeBack(carol, boardId)
    await carolAgain
      .getByTestId('late-drafts')
      .filter({ hasText: 'Your 1 draft is still only on this device' })
      .waitFor({ timeout: 10_000 })
    expect(peer.text()).not.toContain('Slow code review')
    await shot(carolAgain, 'privacy-late-carol')
    await carolAgain.getByRole('button', { name: 'Publish anyway' }).click()
    await carolAgain.locator('.pv-message', { hasText: 'Published your 1 note anonymously.' }).waitFor({ timeout: 10_000 })
    await noteWithText(alice, 'Slow code review').waitFor({ timeout: 10_000 })
    await alice.getByTestId('revealed-count').filter({ hasText: 'Revealed 4 notes' }).waitFor()
    await alice.getByRole('button', { name: 'Show the notes' }).click()
    await expectNoOverlap(alice, drafts)
    expect(publishedNotes(peer, ['Slow code review'])[0]?.meta).toEqual({})
    await shot(alice, 'privacy-late-alice')
  })

  it('a timeboxed round with names reveals itself when time is up', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')
    const peer = await e2e.observe(boardId)

    await startRound(alice, { prompt: 'One wish', minutes: '0.1', anonymous: false })
    await bob.getByText('One wish').waitFor()
    await expect.poll(() => bob.locator('.pv-timer').textContent()).toMatch(/0:0\d left/)
    await writeSticky(bob, { x: 500, y: 400 }, 'Quieter office')
    await shot(bob, 'privacy-timed-round-bob')
    expect(peer.text()).not.toContain('Quieter office')

    // Nobody clicks reveal: the timebox ends the round.
    await noteWithText(alice, 'Quieter office').waitFor({ timeout: 15_000 })
    await alice.getByTestId('revealed-count').filter({ hasText: 'Revealed 1 note.' }).waitFor()
    await expect.poll(() => noteWithText(bob, 'Quieter office').count()).toBe(1)
    // Published with names: the note says who wrote it.
    await expect
      .poll(() => (publishedNotes(peer, ['Quieter office'])[0]?.meta as { createdBy?: string } | undefined)?.createdBy)
      .toBeTruthy()
  })

  it('a secret dot vote: own dots only, hidden totals, voter count, close, totals and ranked results; then a timeboxed vote on a selection', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')
    const peer = await e2e.observe(boardId)
    // Clear of the dock's open panel on the left (its rail and a panel reach x = 390).
    await writeSticky(alice, { x: 520, y: 300 }, 'Ship weekly')
    await writeSticky(alice, { x: 760, y: 300 }, 'Pair more')
    await writeSticky(alice, { x: 1000, y: 300 }, 'Fewer meetings')
    await noteWithText(bob, 'Fewer meetings').waitFor()

    await openPanel(bob, 'vote')
    await bob.getByRole('button', { name: 'Start a dot vote…' }).click()
    await shot(bob, 'privacy-vote-form-bob')
    await bob.getByRole('button', { name: 'Start vote' }).click()
    await alice.getByTestId('dots-left').waitFor()
    expect(await alice.getByTestId('voter-count').textContent()).toBe('0 people have voted')

    await alice.getByRole('button', { name: 'Add a dot to “Pair more”' }).click()
    await expect.poll(() => myDots(alice, 'Pair more')).toBe('1')
    await alice.getByRole('button', { name: 'Add a dot to “Pair more”' }).click()
    await alice.getByRole('button', { name: 'Add a dot to “Ship weekly”' }).click()
    await expect.poll(() => alice.getByTestId('dots-left').textContent()).toContain('You have 0 of 3')
    // Out of dots: a dot moves by taking one back first.
    expect(await alice.getByRole('button', { name: 'Add a dot to “Fewer meetings”' }).isDisabled()).toBe(true)
    await alice.getByRole('button', { name: 'Remove a dot from “Ship weekly”' }).click()
    await expect.poll(() => myDots(alice, 'Ship weekly')).toBe('0')
    await alice.getByRole('button', { name: 'Add a dot to “Fewer meetings”' }).click()
    await bob.getByRole('button', { name: 'Add a dot to “Pair more”' }).click()

    await bob.getByTestId('voter-count').filter({ hasText: '2 people have voted' }).waitFor()
    // Nobody's cursor is shared while the vote is open: one hovering a note's dots would give the voter away.
    await alice.mouse.move(710, 430)
    await alice.mouse.move(730, 440)
    const present = () => [...peer.awareness.getStates().values()].filter((s) => s.presence).length
    await expect.poll(present).toBe(0)
    expect(peer.awareness.getStates().size).toBeGreaterThanOrEqual(2)
    // Someone with the view-only link follows the vote but has no dots to place.
    const viewer = await e2e.join(await e2e.viewPath(boardId), 'Victor')
    await viewer.getByTestId('voter-count').filter({ hasText: '2 people have voted' }).waitFor()
    await viewer.getByText('You are viewing: voting needs the board’s edit link.').waitFor()
    expect(await viewer.getByRole('button', { name: /Add a dot/ }).count()).toBe(0)
    expect(await viewer.getByRole('button', { name: 'Close vote and show results' }).count()).toBe(0)
    await shot(viewer, 'privacy-vote-viewer')
    // Bob does not see Alice's dots, and nobody sees totals while the vote is open.
    expect(await myDots(bob, 'Fewer meetings')).toBe('0')
    expect(await alice.locator('[data-total]').count()).toBe(0)
    expect(await bob.locator('[data-total]').count()).toBe(0)
    // Alice's dots survive her reload: they come back from the server, to her only.
    await alice.reload()
    await waitUntilOnBoard(alice)
    await expect.poll(() => myDots(alice, 'Pair more')).toBe('2')
    await shot(alice, 'privacy-vote-open-alice')
    await shot(bob, 'privacy-vote-open-bob')

    await alice.getByRole('button', { name: 'Close vote and show results' }).click()
    for (const page of [alice, bob, viewer]) {
      await expect.poll(() => rankedResults(page)).toEqual(['#1Pair more3 votes', '#2Fewer meetings1 vote', '#3Ship weekly0 votes'])
      expect(await page.locator('[data-vote-note="Pair more"] [data-total]').getAttribute('data-total')).toBe('3')
    }
    expect(await viewer.getByRole('button', { name: 'New vote…' }).count()).toBe(0)
    // Closed: cursors are back.
    await alice.mouse.move(600, 500)
    await expect.poll(present).toBeGreaterThan(0)
    await viewer.getByRole('button', { name: 'Hide results' }).click()
    await viewer.getByRole('list', { name: 'Ranked results' }).waitFor({ state: 'detached' })
    await shot(bob, 'privacy-vote-results-bob')
    // The peer saw totals, never a ballot: the published vote names nobody, no request or reply
    // reached it, and no secret crossed its socket.
    const who = await Promise.all(
      [alice, bob].map((p) =>
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
    expect(peer.typesSeen().has(MESSAGE_REQUEST)).toBe(false)

    // A second vote, on a selection, one dot per note, that ends by itself.
    await alice.keyboard.press('Escape')
    await noteWithText(alice, 'Ship weekly').click()
    await noteWithText(alice, 'Fewer meetings').click({ modifiers: ['Shift'] })
    await alice.getByRole('button', { name: 'New vote…' }).click()
    await alice.getByLabel('The 2 selected notes').check()
    await alice.getByLabel('Dots per person').fill('2')
    await alice.getByLabel('Several dots on one note').uncheck()
    await alice.getByLabel('Timebox in minutes (empty: none)').fill('0.1')
    await alice.getByRole('button', { name: 'Start vote' }).click()
    await bob.getByTestId('dots-left').filter({ hasText: 'You have 2 of 2' }).waitFor()
    expect(await bob.locator('[data-vote-note="Pair more"]').count()).toBe(0)
    await bob.getByRole('button', { name: 'Add a dot to “Ship weekly”' }).click()
    await expect.poll(() => bob.getByRole('button', { name: 'Add a dot to “Ship weekly”' }).isDisabled()).toBe(true)
    await bob.getByRole('button', { name: 'Add a dot to “Fewer meetings”' }).click()
    await alice.getByTestId('voter-count').filter({ hasText: '1 person has voted' }).waitFor()
    await shot(alice, 'privacy-vote-selection-alice')
    // Nobody closes it: the timebox does.
    for (const page of [alice, bob]) {
      await expect.poll(() => rankedResults(page), { timeout: 15_000 }).toEqual(['#1Ship weekly1 vote', '#1Fewer meetings1 vote'])
    }
  })
})
