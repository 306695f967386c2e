import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { noteWithText, notes, openPanel, pan, writeSticky } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

const LAPTOP = { width: 1280, height: 800 }
const TABLET = { width: 1024, height: 768, touch: true }
const PHONE = { width: 390, height: 844, touch: true }

/** What we put over the canvas. */
const OURS = ['.dock-rail', '.dock-popover:not([hidden])', '.dock-show', '.fac-timer', '.sm-toolbar', '.fac-present-bar', '.fac-toast']
/** tldraw's own controls: menus, style panel, toolbar, zoom and minimap, "Back to content", help. */
const TLDRAW = [
  '.tlui-menu-zone',
  '.tlui-share-zone',
  '.tlui-helper-buttons',
  '.tlui-style-panel__wrapper',
  '.tlui-main-toolbar',
  '.tlui-navigation-panel',
  '.tlui-help-menu',
]

type Rect = { selector: string; x: number; y: number; w: number; h: number }

/** The visible boxes of the elements each selector matches. */
function boxes(page: Page, selectors: string[]): Promise<Rect[]> {
  return page.evaluate(
    (selectors) =>
      selectors.flatMap((selector) =>
        [...document.querySelectorAll(selector)].flatMap((el) => {
          const r = el.getBoundingClientRect()
          return r.width > 0 && r.height > 0 ? [{ selector, x: r.x, y: r.y, w: r.width, h: r.height }] : []
        }),
      ),
    selectors,
  )
}

const overlapping = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

/** Pairs of our panels and tldraw's controls that cover each other. */
async function overlaps(page: Page): Promise<string[]> {
  const ours = await boxes(page, OURS)
  const theirs = await boxes(page, TLDRAW)
  expect(theirs.length, 'tldraw controls found').toBeGreaterThan(2)
  return ours.flatMap((a) => theirs.filter((b) => overlapping(a, b)).map((b) => `${a.selector} covers ${b.selector}`))
}

/** The share of the screen no panel or control covers, measured on a 4 px grid. */
async function canvasShare(page: Page): Promise<number> {
  const covering = await boxes(page, [...OURS, ...TLDRAW])
  return page.evaluate((covering) => {
    let free = 0
    let all = 0
    for (let y = 2; y < innerHeight; y += 4)
      for (let x = 2; x < innerWidth; x += 4) {
        all++
        if (!covering.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h)) free++
      }
    return free / all
  }, covering)
}

/** Anything outside the canvas wider than the screen or sticking out of it, and whether the page scrolls sideways. */
function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    if (document.documentElement.scrollWidth > innerWidth) out.push(`page scrolls to ${document.documentElement.scrollWidth}px`)
    for (const el of document.querySelectorAll('.board *')) {
      // The canvas and what moves with it (shapes, cursors) may reach past the screen; its controls may not.
      if (el.closest('.canvas-overlay, .sm-overlay, .fac-reaction-layer') || (el.closest('.tl-container') && !el.closest('.tlui-layout')))
        continue
      const r = el.getBoundingClientRect()
      // Off the screen on purpose (skip links) is not sticking out.
      if (r.width === 0 || r.height === 0 || r.right <= 0 || getComputedStyle(el).visibility === 'hidden') continue
      if (r.left < -1 || r.right > innerWidth + 1)
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} spans ${Math.round(r.left)}–${Math.round(r.right)}`)
    }
    return out
  })
}

async function insertTemplate(page: Page, name: RegExp) {
  await page.getByRole('button', { name: /Templates/ }).click()
  await page.getByRole('menuitem', { name }).click()
  await page.locator('.tl-shape[data-shape-type="frame"]').first().waitFor()
}

const inViewport = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll(
    (els) =>
      els.length > 0 &&
      els.every((e) => {
        const r = e.getBoundingClientRect()
        return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight
      }),
  )

describe('the canvas comes first', () => {
  it('at 1280×800 the panels fold into a dock clear of tldraw’s controls, leaving most of the screen to the canvas', async () => {
    const page = await e2e.openBoard(newBoardId(), 'Alice', { device: LAPTOP })
    // The idle timer (its widest) and the toolbar keep clear of tldraw's top bar at every width.
    for (const size of [LAPTOP, TABLET, { width: 820, height: 1180 }, PHONE]) {
      await page.setViewportSize(size)
      await page.waitForTimeout(300)
      expect(await overlaps(page), `${size.width}px`).toEqual([])
      expect(await overflow(page), `${size.width}px`).toEqual([])
    }
    await page.setViewportSize(LAPTOP)
    await insertTemplate(page, /Retrospective/)
    await page.keyboard.press('Escape')
    await page.mouse.click(1000, 700)

    // Nothing selected and the select tool: no style panel.
    expect(await page.locator('.tlui-style-panel__wrapper').count()).toBe(0)
    expect(await overlaps(page)).toEqual([])
    const share = await canvasShare(page)
    console.log(`canvas share at 1280x800 with a template: ${(share * 100).toFixed(1)}%`)
    expect(share).toBeGreaterThanOrEqual(0.7)
    await e2e.shot(page, 'screens-1280x800-template')

    // With a note, a timer and a vote running (its panel open), still mostly canvas.
    await writeSticky(page, { x: 560, y: 480 }, 'Shorter stand-ups')
    await page.getByRole('button', { name: 'Start a 5 minute timer' }).click()
    await openPanel(page, 'vote')
    await page.getByRole('button', { name: 'Start a dot vote…' }).click()
    await page.getByRole('button', { name: 'Start vote' }).click()
    await page.getByTestId('dots-left').waitFor()
    await page.mouse.click(1000, 700)
    expect(await overlaps(page)).toEqual([])
    const busy = await canvasShare(page)
    console.log(`canvas share at 1280x800 with a vote and a timer running: ${(busy * 100).toFixed(1)}%`)
    expect(busy).toBeGreaterThanOrEqual(0.7)
    await e2e.shot(page, 'screens-1280x800-vote-timer')
    await page.getByRole('button', { name: 'Close vote and show results' }).click()

    // A drawing tool shows the style panel; the open panel stays clear of it.
    await page.keyboard.press('n')
    await page.locator('.tlui-style-panel__wrapper').waitFor()
    await openPanel(page, 'agenda')
    expect(await overlaps(page)).toEqual([])
    await page.keyboard.press('v')
    await page.locator('.tlui-style-panel__wrapper').waitFor({ state: 'detached' })

    // One panel at a time, remembered after a reload.
    await openPanel(page, 'people')
    expect(await page.locator('.dock-popover:not([hidden])').count()).toBe(1)
    await page.reload()
    await page.locator('[data-dock-panel="people"]').waitFor()
    expect(await overlaps(page)).toEqual([])

    // Far from the content tldraw offers "Back to content": nothing of ours is on it.
    await pan(page, 6000, 6000)
    await page.getByRole('button', { name: 'Back to content' }).waitFor()
    expect(await overlaps(page)).toEqual([])
    await e2e.shot(page, 'screens-1280x800-back-to-content')
    await page.getByRole('button', { name: 'Back to content' }).click()

    // A facilitator hides the whole dock to present, and brings it back with the button or the shortcut.
    await page.locator('.dock-hide').click()
    expect(await page.locator('.dock-rail').isVisible()).toBe(false)
    expect(await page.locator('[data-dock-panel="people"]').isVisible()).toBe(false)
    await page.locator('.dock-show').click()
    await page.locator('[data-dock-panel="people"]').waitFor()
    await page.mouse.click(1000, 700)
    await page.keyboard.press('Shift+P')
    await page.locator('.dock-rail').waitFor({ state: 'hidden' })
    await page.keyboard.press('Shift+P')
    await page.locator('.dock-rail').waitFor()
  })

  for (const [size, device] of [
    ['1024x768', TABLET],
    ['390x844', PHONE],
  ] as const) {
    it(`on a touch screen of ${size} someone adds a sticky, votes, sees the timer and the baton, and reaches every panel`, async () => {
      const boardId = newBoardId()
      const alice = await e2e.openBoard(boardId, 'Alice', { device: LAPTOP })
      await insertTemplate(alice, /Retrospective/)
      const page = await e2e.openBoard(boardId, 'Pia', { device })
      await page.locator('.tl-shape[data-shape-type="frame"]').first().waitFor()

      // A sticky note, with tldraw's toolbar and a tap.
      await page.locator('[data-testid="tools.note"]').tap()
      const { width, height } = device
      await page.touchscreen.tap(width / 2, height / 2)
      await page.locator('[contenteditable="true"]').waitFor()
      await page.keyboard.type('From my phone')
      await page.keyboard.press('Escape')
      await noteWithText(alice, 'From my phone').waitFor({ timeout: 5000 })
      await page.locator('[data-testid="tools.select"]').tap()

      // The shared timer, started by Alice, is on screen.
      await alice.getByRole('button', { name: 'Start a 5 minute timer' }).click()
      await page.locator('[role="timer"]').waitFor()
      expect(await inViewport(page, '.fac-timer')).toBe(true)

      // The baton: who leads shows on the dock without opening anything.
      await alice.locator('.dock-button[data-dock="people"]').click()
      await alice.getByRole('button', { name: 'Step forward' }).click()
      await expect.poll(() => page.locator('.dock-button[data-dock="people"] .dock-note').textContent()).toBe('Alice')
      await e2e.shot(page, `screens-${size}-timer`)
      expect(await overlaps(page)).toEqual([])
      expect(await overflow(page)).toEqual([])

      // A vote: Pia starts one and casts a ballot.
      await openPanel(page, 'vote')
      await page.getByRole('button', { name: 'Start a dot vote…' }).tap()
      await page.getByRole('button', { name: 'Start vote' }).tap()
      await page.getByTestId('dots-left').waitFor()
      // The panel gives the notes back to the canvas; its button shows that a vote runs.
      await page.locator('.dock-button[data-dock="vote"]').tap()
      expect(await page.locator('.dock-button[data-dock="vote"]').getAttribute('data-live')).toBe('true')
      await page.getByRole('button', { name: 'Add a dot to “From my phone”' }).tap()
      await expect.poll(() => alice.getByTestId('voter-count').textContent()).toBe('1 person has voted')
      expect(await overflow(page)).toEqual([])
      await e2e.shot(page, `screens-${size}-vote`)

      // Far from the content, tldraw's "Back to content" is clear of the timer and the dock.
      await page.locator('.dock-button[data-dock="vote"]').tap()
      // Wheel over the canvas below the open panel.
      await page.mouse.move(width / 2, height - 150)
      for (let i = 0; i < 5; i++) await page.mouse.wheel(3000, 3000)
      await page.getByRole('button', { name: 'Back to content' }).waitFor()
      await e2e.shot(page, `screens-${size}-back-to-content`)
      expect(await overlaps(page)).toEqual([])
      await page.getByRole('button', { name: 'Back to content' }).tap()

      // Every panel opens from the dock, whole on the screen.
      const ids = await page.locator('.dock-button[data-dock]').evaluateAll((els) => els.map((e) => e.getAttribute('data-dock')!))
      expect(ids.length).toBeGreaterThanOrEqual(11)
      for (const id of ids) {
        await page.locator(`.dock-button[data-dock="${id}"]`).tap()
        await page.locator(`[data-dock-panel="${id}"]`).waitFor()
        expect(await inViewport(page, `[data-dock-panel="${id}"]`), id).toBe(true)
        expect(await overflow(page), id).toEqual([])
        if (id === 'people') await e2e.shot(page, `screens-${size}-people`)
      }
    })
  }
})

describe('landing on the board', () => {
  it('a viewer lands on the content, and someone joining lands where the group is', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    // Alice works far from where a camera starts.
    await pan(alice, 4000, 3000)
    await writeSticky(alice, { x: 600, y: 400 }, 'Far away idea')
    await writeSticky(alice, { x: 850, y: 400 }, 'Another far one')

    const viewer = await e2e.join(await e2e.viewPath(boardId), 'Victor')
    await noteWithText(viewer, 'Far away idea').waitFor()
    await expect.poll(() => inViewport(viewer, '.tl-shape[data-shape-type="note"]')).toBe(true)
    await e2e.shot(viewer, 'screens-view-only-landing')
    // A viewer's vote panel before any vote says why it is empty.
    await openPanel(viewer, 'vote')
    expect(await viewer.locator('[data-dock-panel="vote"] > fieldset').evaluate((e) => getComputedStyle(e, '::before').content)).toContain(
      'Nothing running yet',
    )

    // Alice moves on to an empty spot; Bob joins her there, not at the notes.
    await pan(alice, 3000, 0)
    await writeSticky(alice, { x: 640, y: 420 }, 'Where we are now')
    const bob = await e2e.openBoard(boardId, 'Bob')
    await expect.poll(() => visibleNotes(bob)).toEqual(['Where we are now'])
  })
})

/** The text of the notes on the screen. */
const visibleNotes = (page: Page) =>
  notes(page).evaluateAll((els) =>
    els
      .filter((e) => {
        const r = e.getBoundingClientRect()
        return r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight
      })
      .map((e) => e.textContent),
  )
