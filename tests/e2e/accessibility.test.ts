import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { atEachSize, noteWithText, openPanel, writeSticky } from '../support/e2e.ts'
import { axeViolations } from '../support/axe.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

/** What the page's one live region says now. */
const liveText = (page: Page) => page.locator('[data-live-region]').textContent()

/** The ids of the dock's panels, in the rail's order. */
const dockPanels = (page: Page) =>
  page.locator('.dock-button[data-dock]').evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.dock ?? ''))

/** Closes the dock's open panel, if any, leaving the rail alone on screen. */
async function closePanels(page: Page) {
  const open = page.locator('.dock-button[aria-expanded="true"]')
  if ((await open.count()) > 0) await open.click()
  expect(await page.locator('.dock-popover:not([hidden])').count()).toBe(0)
}

/**
 * axe on the page with the dock's rail alone, then with each of its panels open in turn (the dock
 * shows one at a time), every disclosure inside it unfolded. `before` runs once a panel is open,
 * before axe (to open a form in it). Returns the headings each panel showed.
 */
async function axeEachPanel(page: Page, what: string, before: (id: string) => Promise<void> = async () => {}) {
  await closePanels(page)
  expect(await axeViolations(page), `${what}, the dock's rail alone`).toEqual([])
  const headings = new Map<string, string[]>()
  const ids = await dockPanels(page)
  expect(ids.length, 'panels in the dock').toBeGreaterThanOrEqual(11)
  for (const id of ids) {
    await openPanel(page, id)
    const panel = page.locator(`[data-dock-panel="${id}"]`)
    const folded = panel.locator('details:not([open]) > summary')
    for (let i = 0; i < 5 && (await folded.count()) > 0; i++) await folded.first().click()
    expect(await folded.count(), `${id}: nothing folded`).toBe(0)
    await before(id)
    expect(await page.locator('.dock-popover:not([hidden])').count(), 'one panel open').toBe(1)
    headings.set(
      id,
      (await panel.getByRole('heading').allTextContents()).map((h) => h.trim()),
    )
    expect(await axeViolations(page), `${what}, the ${id} panel open`).toEqual([])
  }
  return headings
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
  it('axe finds no serious or critical violation on the landing page, a board with each panel open, and a view-only board', async () => {
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
    await openPanel(ana, 'people')
    await ana.getByRole('button', { name: 'Step forward' }).click()
    await ana.getByRole('button', { name: 'Start a 5 minute timer' }).click()
    await openPanel(bo, 'hands')
    await bo.getByRole('button', { name: 'Raise hand', exact: true }).click()
    await openPanel(ana, 'agenda')
    await ana.getByLabel('Phase title').fill('Ideas')
    await ana.getByRole('button', { name: 'Add phase' }).click()
    // Each panel in turn, the silent round's form open in its own.
    const headings = await axeEachPanel(ana, 'board, panels and forms open', async (id) => {
      if (id === 'brainstorm') await ana.getByRole('button', { name: 'Start a silent round…' }).click()
    })
    for (const [id, h] of Object.entries({
      people: 'People and baton',
      hands: 'Raised hands',
      signals: 'Summon and reactions',
      agenda: 'Agenda',
      round: 'Go-around',
      present: 'Present frames',
      timeline: 'Leadership timeline',
      outcomes: 'Decisions & actions',
      participation: 'Participation',
      brainstorm: 'Silent brainstorm',
    }))
      expect(headings.get(id), `the ${id} panel has a heading`).toContain(h)
    // The silent round's form and the templates menu open together.
    await openPanel(ana, 'brainstorm')
    await ana.getByRole('button', { name: 'Start round' }).waitFor()
    await ana.getByRole('button', { name: 'Templates' }).click()
    await ana.getByRole('menu').waitFor()
    await atEachSize(ana, (size) => e2e.shot(ana, `a11y-panels-open-${size}`))
    expect(await axeViolations(ana), 'board, a form and the templates menu open').toEqual([])

    await ana.getByRole('button', { name: 'Templates' }).click()
    await ana.getByRole('button', { name: 'Start round' }).click()
    await openPanel(ana, 'vote')
    await ana.getByRole('button', { name: 'Start a dot vote…' }).click()
    await ana.getByRole('button', { name: 'Start vote' }).click()
    await ana.getByTestId('dots-left').waitFor()
    await e2e.shot(ana, 'a11y-round-and-vote')
    await axeEachPanel(ana, 'board with a silent round and a vote running')

    // Bo called from the queue, a go-around running, and frames presented.
    await openPanel(ana, 'hands')
    await ana.getByRole('button', { name: 'Call next' }).click()
    await openPanel(ana, 'round')
    await ana.getByLabel('Go-around prompt').fill('One word')
    await ana.getByLabel('Go-around prompt').press('Enter')
    await ana.getByRole('button', { name: 'Templates' }).click()
    await ana.getByRole('menuitem', { name: /Vision map/ }).click()
    await openPanel(ana, 'present')
    await ana.getByRole('button', { name: 'Start presenting' }).click()
    await ana.getByRole('region', { name: 'Presentation' }).waitFor()
    await e2e.shot(ana, 'a11y-turns-and-presenting')
    await axeEachPanel(ana, 'board with a call, a go-around and a presentation')

    const viewer = await e2e.join(await e2e.viewPath(boardId), 'Vic')
    await axeEachPanel(viewer, 'view-only board')
    // The dock hidden, as while presenting: one button brings it back.
    await viewer.getByRole('button', { name: 'Hide', exact: true }).click()
    await viewer.getByRole('button', { name: 'Panels' }).waitFor()
    expect(await axeViolations(viewer), 'view-only board, the dock hidden').toEqual([])
    await viewer.getByRole('button', { name: 'Panels' }).click()
    await openPanel(viewer, 'people')
    await e2e.shot(viewer, 'a11y-view-only')

    // Back on the landing page, with the board among the recent ones.
    await ana.goto(e2e.server.url)
    await ana.locator('ul.recent a').first().waitFor()
    expect(await axeViolations(ana), 'landing page with recent boards').toEqual([])
  }, 240_000)

  it('the keyboard reaches the facilitation controls, shows where it is, and operates them', async () => {
    const ana = await e2e.openBoard(newBoardId(), 'Ana')
    const reached = new Map<string, boolean>()
    /** Presses Tab (Shift+Tab with `back`) until `name` has focus, noting each name reached and whether it showed a ring. */
    const tabTo = async (name: string, back = false) => {
      for (let i = 0; i < 150; i++) {
        await ana.keyboard.press(back ? 'Shift+Tab' : 'Tab')
        const now = await focused(ana)
        if (now.name) reached.set(now.name, now.ring)
        if (now.name === name) return
      }
      throw new Error(`${name} not reached by ${back ? 'Shift+Tab' : 'Tab'}, in ${[...reached.keys()].join(' | ')}`)
    }
    const expectReached = (names: string[]) => {
      for (const name of names)
        expect(reached.get(name), `${name} reached by Tab with a visible focus ring, in ${[...reached.keys()].join(' | ')}`).toBe(true)
    }

    // From the top of the page, as a keyboard user starts: the timer, then every button of the dock's rail.
    await ana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await tabTo('Hide')
    const rail = await ana.locator('.dock-rail button').allTextContents()
    expect(rail.length, 'buttons on the rail').toBeGreaterThanOrEqual(12)
    expectReached(['1m: start a 1 minute timer', 'Custom timer length', ...rail.map((b) => b.trim())])

    // Enter on a rail button opens its panel, whose controls come next in the Tab order.
    await tabTo('People', true)
    await ana.keyboard.press('Enter')
    await ana.locator('[data-dock-panel="people"]').waitFor()
    expect(await ana.locator('.dock-button[data-dock="people"]').getAttribute('aria-expanded')).toBe('true')
    await tabTo('Step forward')
    await tabTo('Hands', true)
    await ana.keyboard.press('Space')
    await ana.locator('[data-dock-panel="hands"]').waitFor()
    await tabTo('Raise hand')
    expectReached(['People', 'Step forward', 'Hands', 'Raise hand'])

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

    await openPanel(bo, 'people')
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
    await openPanel(bo, 'brainstorm')
    await bo.getByRole('button', { name: 'Start a silent round…' }).click()
    await bo.getByRole('button', { name: 'Start round' }).click()
    await bo.getByRole('button', { name: 'Reveal everyone’s notes' }).click()
    await expect.poll(() => liveText(ana)).toContain('The silent round is revealed')
    await openPanel(bo, 'vote')
    await bo.getByRole('button', { name: 'Start a dot vote…' }).click()
    await bo.getByRole('button', { name: 'Start vote' }).click()
    await bo.getByRole('button', { name: 'Close vote and show results' }).click()
    await expect.poll(() => liveText(ana)).toBe('The dot vote is closed: the results are on the notes.')
  })
})
