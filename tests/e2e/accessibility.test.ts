import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { atEachSize, noteWithText, writeSticky } from '../support/e2e.ts'
import { axeViolations } from '../support/axe.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

/** What the page's one live region says now. */
const liveText = (page: Page) => page.locator('[data-live-region]').textContent()

/** Opens every folded panel of the left dock and the participation panel. */
async function openPanels(page: Page) {
  const folded = page.locator('details:not([open]) > summary')
  for (let i = 0; i < 10 && (await folded.count()) > 0; i++) await folded.first().click()
  expect(await folded.count()).toBe(0)
  const participation = page.getByRole('button', { name: 'Participation' })
  if ((await participation.getAttribute('aria-expanded')) === 'false') await participation.click()
}

/** The accessible name (or text) of the focused element, and whether it shows a focus ring. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    if (!el || el === document.body) return { name: '', ring: false }
    const style = getComputedStyle(el)
    const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none'
    return { name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(), ring }
  })

describe('accessibility', () => {
  it('axe finds no serious or critical violation on the landing page, a board with every panel open, and a view-only board', async () => {
    const landing = await e2e.newPage()
    await landing.goto(e2e.server.url)
    await landing.getByRole('button', { name: 'New board' }).waitFor()
    expect(await axeViolations(landing), 'landing page').toEqual([])

    const boardId = newBoardId()
    const ana = await e2e.openBoard(boardId, 'Ana')
    const bo = await e2e.openBoard(boardId, 'Bo')
    // A note to vote on, written before the silent round (notes written during it are private drafts).
    await writeSticky(ana, { x: 700, y: 420 }, 'Ship weekly')
    await noteWithText(bo, 'Ship weekly').waitFor()
    await ana.getByRole('button', { name: 'Step forward' }).click()
    await ana.getByRole('button', { name: 'Start a 5 minute timer' }).click()
    await bo.getByRole('button', { name: 'Raise hand', exact: true }).click()
    await ana.getByLabel('Phase title').fill('Ideas')
    await ana.getByRole('button', { name: 'Add phase' }).click()
    await openPanels(ana)
    await ana.getByRole('button', { name: 'Start a silent round…' }).click()
    await ana.getByRole('button', { name: 'Templates' }).click()
    await ana.getByRole('menu').waitFor()
    await atEachSize(ana, (size) => e2e.shot(ana, `a11y-panels-open-${size}`))
    const headings = (await ana.getByRole('heading').allTextContents()).map((h) => h.trim())
    for (const h of [
      'People and baton',
      'Raised hands',
      'Summon and reactions',
      'Agenda',
      'Go-around',
      'Present frames',
      'Leadership timeline',
      'Decisions & actions',
      'Participation',
      'Silent brainstorm',
    ])
      expect(headings, 'each panel has a heading').toContain(h)
    expect(await axeViolations(ana), 'board, panels and forms open').toEqual([])

    await ana.getByRole('button', { name: 'Templates' }).click()
    await ana.getByRole('button', { name: 'Start round' }).click()
    await ana.getByRole('button', { name: 'Start a dot vote…' }).click()
    await ana.getByRole('button', { name: 'Start vote' }).click()
    await ana.getByTestId('dots-left').waitFor()
    await e2e.shot(ana, 'a11y-round-and-vote')
    expect(await axeViolations(ana), 'board with a silent round and a vote running').toEqual([])

    // Bo called from the queue, a go-around running, and frames presented.
    await ana.getByRole('button', { name: 'Call next' }).click()
    await ana.getByLabel('Go-around prompt').fill('One word')
    await ana.getByLabel('Go-around prompt').press('Enter')
    await ana.getByRole('button', { name: 'Templates' }).click()
    await ana.getByRole('menuitem', { name: /Vision map/ }).click()
    await ana.getByRole('button', { name: 'Start presenting' }).click()
    await ana.getByRole('region', { name: 'Presentation' }).waitFor()
    await e2e.shot(ana, 'a11y-turns-and-presenting')
    expect(await axeViolations(ana), 'board with a call, a go-around and a presentation').toEqual([])

    const viewer = await e2e.join(await e2e.viewPath(boardId), 'Vic')
    await openPanels(viewer)
    await e2e.shot(viewer, 'a11y-view-only')
    expect(await axeViolations(viewer), 'view-only board').toEqual([])

    // Back on the landing page, with the board among the recent ones.
    await ana.goto(e2e.server.url)
    await ana.locator('ul.recent a').first().waitFor()
    expect(await axeViolations(ana), 'landing page with recent boards').toEqual([])
  })

  it('the keyboard reaches the facilitation controls, shows where it is, and operates them', async () => {
    const ana = await e2e.openBoard(newBoardId(), 'Ana')
    // From the top of the page, as a keyboard user starts.
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    const reached = new Map<string, boolean>()
    for (let i = 0; i < 150 && !reached.has('Raise hand'); i++) {
      await ana.keyboard.press('Tab')
      const { name, ring } = await focused(ana)
      if (name) reached.set(name, ring)
    }
    for (const name of ['Step forward', 'Raise hand', 'Start a 1 minute timer', 'Custom timer length']) {
      expect(reached.get(name), `${name} reached by Tab with a visible focus ring, in ${[...reached.keys()].join(' | ')}`).toBe(true)
    }
    // Focus is on "Raise hand" now: Space raises it, Enter lowers it again.
    await ana.keyboard.press('Space')
    await ana.locator('[data-hand="Ana"]').waitFor()
    await e2e.shot(ana, 'a11y-focus-ring')
    await ana.keyboard.press('Enter')
    await ana.locator('[data-hand="Ana"]').waitFor({ state: 'detached' })
  })

  it('the live region reads out what someone else does: a baton pass, the timer reaching zero, a reveal, a vote closed', async () => {
    const boardId = newBoardId()
    const ana = await e2e.openBoard(boardId, 'Ana')
    const bo = await e2e.openBoard(boardId, 'Bo')
    expect(await ana.locator('[aria-live], [role="status"]').count(), 'one live region on the board').toBe(1)

    await bo.getByRole('button', { name: 'Step forward' }).click()
    await expect.poll(() => liveText(ana)).toBe('Bo now holds the baton.')
    await bo.getByRole('button', { name: 'Pass the baton to Ana' }).click()
    await expect.poll(() => liveText(ana)).toBe('You now hold the baton.')
    expect(await liveText(bo)).toBe('Ana now holds the baton.')

    await bo.getByLabel('Custom timer length').fill('2s')
    await bo.getByLabel('Custom timer length').press('Enter')
    await expect.poll(() => liveText(ana), { timeout: 10_000 }).toBe('Time’s up.')

    // A silent round revealed and a dot vote closed, both by Bo.
    await writeSticky(bo, { x: 700, y: 420 }, 'Ship weekly')
    await bo.getByRole('button', { name: 'Start a silent round…' }).click()
    await bo.getByRole('button', { name: 'Start round' }).click()
    await bo.getByRole('button', { name: 'Reveal everyone’s notes' }).click()
    await expect.poll(() => liveText(ana)).toContain('The silent round is revealed')
    await bo.getByRole('button', { name: 'Start a dot vote…' }).click()
    await bo.getByRole('button', { name: 'Start vote' }).click()
    await bo.getByRole('button', { name: 'Close vote and show results' }).click()
    await expect.poll(() => liveText(ana)).toBe('The dot vote is closed: the results are on the notes.')
  })
})
