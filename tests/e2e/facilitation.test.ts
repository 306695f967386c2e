import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { noteWithText, openPanel, pan, writeSticky } from '../support/e2e.ts'
import { artifactPath, useE2eSession } from '../support/e2eSession.ts'

const SEVEN_MINUTES = 7 * 60_000

const e2e = useE2eSession()

/** Opens the board as a new person; `clockShiftMs` makes this computer's clock wrong by that much. */
async function openBoard(boardId: string, name: string, clockShiftMs = 0): Promise<Page> {
  const page = await e2e.openBoard(boardId, name, { clockShiftMs })
  await openPanel(page, 'people')
  return page
}

const shot = (page: Page, name: string) => e2e.shot(page, `facilitation-${name}`)

function remaining(page: Page): Promise<number> {
  return page.locator('[role="timer"]').getAttribute('data-remaining-ms').then(Number)
}

function batonText(page: Page) {
  return page.locator('.fac-baton-text').textContent()
}

type Point = { x: number; y: number }

async function centreOf(page: Page, text: string) {
  const box = await noteWithText(page, text).boundingBox()
  return box ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : undefined
}

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y)

/** Waits until the note shows within 20 px of `at` on this page (its view has moved there). */
async function expectNoteNear(page: Page, text: string, at: Point) {
  await expect
    .poll(
      async () => {
        const p = await centreOf(page, text)
        return p && distance(p, at)
      },
      { timeout: 5000 },
    )
    .toBeLessThan(20)
}

function onScreen(p: Point | undefined) {
  return !!p && p.x > 0 && p.x < 1280 && p.y > 0 && p.y < 800
}

describe('facilitation across two browsers whose clocks disagree', () => {
  it('shared timer, baton, summon, moving away and reactions', async () => {
    const boardId = newBoardId()
    const alice = await openBoard(boardId, 'Alice')
    const bob = await openBoard(boardId, 'Bob', SEVEN_MINUTES)
    expect(await bob.evaluate(() => Date.now())).toBeGreaterThan(Date.now() + SEVEN_MINUTES - 5000)

    // Alice starts a 2-minute timer; Bob, whose clock is 7 minutes fast, sees the same time left.
    await alice.getByLabel('Custom timer length').fill('2')
    await alice.getByLabel('Custom timer length').press('Enter')
    await bob.locator('[role="timer"]').waitFor({ timeout: 5000 })
    // Let Bob's clock estimate settle (it samples the server a few times at start-up).
    await bob.waitForTimeout(500)
    const [a, b] = await Promise.all([remaining(alice), remaining(bob)])
    console.log(`timer: Alice sees ${a} ms left, Bob ${b} ms (Bob's clock is 7 min fast)`)
    expect(a).toBeGreaterThan(110_000)
    expect(a).toBeLessThanOrEqual(120_000)
    expect(Math.abs(a - b)).toBeLessThan(1000)
    await expect.poll(() => bob.locator('[role="timer"]').textContent()).toMatch(/^1:5\d$/)
    await shot(alice, '1-timer-alice')
    await shot(bob, '1-timer-bob')

    // Bob steps forward; Alice sees Bob holding the baton.
    await bob.getByRole('button', { name: 'Step forward' }).click()
    await expect.poll(() => batonText(alice)).toBe('Bob is facilitating')
    expect(await batonText(bob)).toBe('You are facilitating')
    await alice.locator('[data-person="Bob"]').getByRole('img', { name: 'holds the baton' }).waitFor()
    await shot(alice, '2-baton-alice')

    // Alice goes somewhere else on the board and writes a note there; Bob cannot see it.
    await pan(alice, 1600, 1200)
    await writeSticky(alice, { x: 900, y: 450 }, 'Over here')
    const onAlice = await centreOf(alice, 'Over here')
    await noteWithText(bob, 'Over here').waitFor({ state: 'attached', timeout: 5000 })
    expect(onScreen(await centreOf(bob, 'Over here'))).toBe(false)

    // Alice brings everyone there: Bob's view moves to hers.
    await openPanel(alice, 'signals')
    await alice.getByRole('button', { name: /Bring everyone here/ }).click()
    await expectNoteNear(bob, 'Over here', onAlice!)
    await bob.locator('.fac-toast', { hasText: 'Alice brought everyone here' }).waitFor()
    await shot(alice, '3-summon-alice')
    await shot(bob, '3-summon-bob')

    // Bob moves away freely: nothing pulls him back.
    await pan(bob, -800, -500)
    await bob.waitForTimeout(800)
    const afterMove = await centreOf(bob, 'Over here')
    expect(!afterMove || distance(afterMove, onAlice!) > 300).toBe(true)
    await shot(bob, '4-moved-away-bob')

    // Alice reacts; it floats up on Bob's screen with her name.
    await alice.mouse.move(640, 400)
    await alice.getByRole('button', { name: 'React 🎉' }).click()
    const floating = bob.locator('.fac-floating[data-reaction="🎉"]')
    await floating.waitFor({ timeout: 5000 })
    expect(await floating.textContent()).toContain('Alice')
    await bob.waitForTimeout(500)
    await shot(bob, '5-reaction-bob')

    // Bob follows Alice with one click; her moves carry his view; his own move ends it.
    await bob.getByRole('button', { name: 'Follow Alice' }).click()
    await expectNoteNear(bob, 'Over here', onAlice!)
    await pan(alice, 300, 200)
    const aliceNow = await centreOf(alice, 'Over here')
    await expectNoteNear(bob, 'Over here', aliceNow!)
    await expect.poll(() => alice.locator('[data-person="Bob"]').textContent()).toContain('following Alice')
    await shot(alice, '6-followed-alice')
    await pan(bob, -400, 0)
    await bob.getByRole('button', { name: 'Follow Alice' }).waitFor({ timeout: 5000 })

    // A timer reaching zero is unmistakable on every screen.
    await alice.getByRole('button', { name: 'Stop' }).click()
    await alice.getByLabel('Custom timer length').fill('2s')
    await alice.getByLabel('Custom timer length').press('Enter')
    await expect.poll(() => bob.locator('[data-timer-status]').getAttribute('data-timer-status'), { timeout: 6000 }).toBe('done')
    expect(await bob.locator('[role="timer"]').textContent()).toBe("Time's up")
    await shot(bob, '7-time-up-bob')
  })
})

describe('a phased session with three people', () => {
  it('runs an agenda with the lead changing hands and shows who led when', async () => {
    const boardId = newBoardId()
    const ann = await openBoard(boardId, 'Ann')
    const ben = await openBoard(boardId, 'Ben', -4 * 60_000)
    const cat = await openBoard(boardId, 'Cat')

    // Ann plans the session with the keyboard.
    await openPanel(ann, 'agenda')
    await ann.getByLabel('Phase title').fill('Check-in')
    await ann.getByLabel('Timebox in minutes').fill('1')
    await ann.getByLabel('Timebox in minutes').press('Enter')
    await ann.getByLabel('Phase title').fill('Ideas')
    await ann.getByLabel('Timebox in minutes').fill('3')
    await ann.getByLabel('Phase notes').fill('Silent writing first')
    await ann.getByLabel('Phase title').press('Enter')
    await expect
      .poll(() => cat.locator('[data-phase]').allTextContents())
      .toEqual([expect.stringContaining('Check-in'), expect.stringContaining('Ideas')])

    // Ann takes the baton and begins; everyone sees the phase and its timebox.
    await openPanel(ann, 'people')
    await ann.getByRole('button', { name: 'Step forward' }).click()
    await openPanel(ann, 'agenda')
    await ann.getByRole('button', { name: 'Begin the agenda' }).click()
    for (const p of [ann, ben, cat]) {
      await expect.poll(() => p.locator('.fac-timer-label').textContent()).toBe('Check-in')
      await expect.poll(() => remaining(p)).toBeGreaterThan(55_000)
    }
    await ann.waitForTimeout(1200)

    // Ann passes the baton to Ben, who moves the group on.
    await openPanel(ann, 'people')
    await ann.getByRole('button', { name: 'Pass the baton to Ben' }).click()
    await expect.poll(() => cat.locator('.fac-baton-text').textContent()).toBe('Ben is facilitating')
    await openPanel(ben, 'agenda')
    await ben.getByRole('button', { name: 'Next phase' }).click()
    await expect.poll(() => cat.locator('.fac-timer-label').textContent()).toBe('Ideas')
    expect(Math.abs((await remaining(cat)) - (await remaining(ben)))).toBeLessThan(1000)
    await ben.waitForTimeout(1200)

    // Cat steps forward and pauses the timer.
    await cat.getByRole('button', { name: 'Step forward' }).click()
    await cat.getByRole('button', { name: 'Pause' }).click()
    await expect.poll(() => ann.locator('.fac-baton-text').textContent()).toBe('Cat is facilitating')
    await expect.poll(() => ann.locator('[data-timer-status]').getAttribute('data-timer-status')).toBe('paused')

    // The timeline, seen by anyone, shows who led and for how long, in order.
    await openPanel(ben, 'timeline')
    const totals = ben.locator('[data-total]')
    await expect.poll(() => totals.evaluateAll((els) => els.map((e) => e.getAttribute('data-total')).sort())).toEqual(['Ann', 'Ben', 'Cat'])
    const acts = (await ben.getByRole('list', { name: 'Session log' }).locator('.fac-act').allTextContents()).reverse()
    expect(acts).toEqual([
      'Ann stepped forward',
      'Ann started “Check-in”',
      'Ann passed the baton to Ben',
      'Ben started “Ideas”',
      'Cat stepped forward',
      'Cat paused the timer',
    ])
    await shot(ben, '8-timeline-ben')

    // Cat leaves with the baton: the others see it free and anyone can pick it up.
    await cat.context().close()
    await expect.poll(() => ann.locator('.fac-baton-text').textContent(), { timeout: 10_000 }).toBe('Baton free (Cat left)')
    await ann.getByRole('button', { name: 'Step forward' }).click()
    await expect.poll(() => ben.locator('.fac-baton-text').textContent()).toBe('Ann is facilitating')
  })
})

describe('one clock for every time shown, on a computer whose clock is 7 minutes fast', () => {
  it('reads the same baton time, idle state and timeline as everyone, and writes server time into the board', async () => {
    const boardId = newBoardId()
    // Bea's computer is 7 minutes fast, and she opens the board first: she creates it.
    const bea = await openBoard(boardId, 'Bea', SEVEN_MINUTES)
    const cy = await openBoard(boardId, 'Cy')
    const peer = await e2e.observe(boardId)

    // Instants written into the board are server time (this machine's clock is the server's).
    const meta = () => peer.doc.getMap('meta').get('createdAt') as number | undefined
    const firstSeen = (name: string) =>
      Object.values(peer.doc.getMap('participants').toJSON() as Record<string, { name: string; firstSeen: number }>).find(
        (p) => p.name === name,
      )?.firstSeen
    await expect.poll(() => firstSeen('Bea')).toBeDefined()
    await expect.poll(() => firstSeen('Cy')).toBeDefined()
    for (const at of [meta(), firstSeen('Bea'), firstSeen('Cy')]) expect(Math.abs(at! - Date.now())).toBeLessThan(60_000)
    // So "Who took part" lists them in the order they came.
    expect(firstSeen('Bea')!).toBeLessThanOrEqual(firstSeen('Cy')!)

    // Bea steps forward and holds the baton for a few seconds.
    await openPanel(bea, 'people')
    await bea.getByRole('button', { name: 'Step forward' }).click()
    await expect.poll(() => batonText(cy)).toBe('Bea is facilitating')
    await cy.waitForTimeout(3000)
    // Something changes on the board, so both participation panels re-read the time now.
    await writeSticky(cy, { x: 640, y: 400 }, 'Same time everywhere')
    const participation = (page: Page) => page.locator('[data-participant="Bea"] .sm-counts').textContent()
    await expect.poll(() => participation(bea)).toContain('baton <1 min')
    await expect.poll(() => participation(cy)).toContain('baton <1 min')

    // Each sees the other's cursor: tldraw hides a collaborator whose activity looks a minute old.
    for (const [page, other] of [
      [bea, cy],
      [cy, bea],
    ] as const) {
      await other.mouse.move(500, 300)
      await other.mouse.move(520, 320)
      await expect.poll(() => page.locator('.tl-collaborator__cursor').count()).toBeGreaterThan(0)
    }

    // Everyone here reads as active on both screens.
    for (const [page, other] of [
      [bea, 'Cy'],
      [cy, 'Bea'],
    ] as const) {
      await expect.poll(() => page.locator(`[data-person="${other}"] .fac-sub`).textContent()).toBe('active')
    }

    // The leadership timeline reads the same: totals and the time of day of each act.
    const timeline = async (page: Page) => {
      await openPanel(page, 'timeline')
      const log = page.getByRole('list', { name: 'Session log' })
      return {
        totals: await page.locator('[data-total]').allTextContents(),
        at: await log.locator('.fac-at').allTextContents(),
      }
    }
    const [onBea, onCy] = [await timeline(bea), await timeline(cy)]
    console.log(`timeline: Bea (clock +7 min) ${JSON.stringify(onBea)}, Cy ${JSON.stringify(onCy)}`)
    expect(onBea.at).toEqual(onCy.at)
    expect(onBea.totals.map((t) => t.replace(/\d+$/, ''))).toEqual(onCy.totals.map((t) => t.replace(/\d+$/, '')))
    expect(onBea.totals[0]).toMatch(/^Bea 0:[0-5]\d$/)
    await openPanel(bea, 'participation')
    await bea.getByRole('region', { name: 'Participation balance' }).screenshot({ path: artifactPath('clock-participation-bea.png') })
  })
})
