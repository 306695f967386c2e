import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { atEachSize, openPanel, pan, sessionActs } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

const frameNamed = (page: Page, name: string) => page.locator('.tl-shape[data-shape-type="frame"]', { hasText: name })
const bar = (page: Page) => page.getByRole('region', { name: 'Presentation' })
const barText = (page: Page) =>
  bar(page)
    .locator('.fac-present-text')
    .textContent()
    .catch(() => null)

/** Whether the frame is wholly on this page's screen and large: shown fitted, not just somewhere in view. */
async function fitted(page: Page, name: string): Promise<boolean> {
  const box = await frameNamed(page, name).boundingBox()
  const view = page.viewportSize()!
  return (
    !!box &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= view.width &&
    box.y + box.height <= view.height &&
    (box.width > view.width * 0.25 || box.height > view.height * 0.45)
  )
}

describe('presenting frames to three browsers', () => {
  it('walks through a vision map in the presenter’s order; a follower steps out and rejoins; a takeover; the presenter leaving ends it', async () => {
    const boardId = newBoardId()
    const ann = await e2e.openBoard(boardId, 'Ann')
    const ben = await e2e.openBoard(boardId, 'Ben')
    const cat = await e2e.openBoard(boardId, 'Cat', { clockShiftMs: 3 * 60_000 })

    await ann.getByRole('button', { name: /Templates/ }).click()
    await ann.getByRole('menuitem', { name: /Vision map/ }).click()
    await frameNamed(ben, 'First steps').waitFor({ timeout: 5000 })
    await ann.keyboard.press('Escape')

    // Frames come in reading order; Ann moves Goals before Values.
    await openPanel(ann, 'present')
    const list = () =>
      ann
        .getByRole('list', { name: 'Frames to present' })
        .locator('li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-frame')))
    expect(await list()).toEqual(['Vision', 'Values', 'Goals', 'Initiatives', 'First steps'])
    await ann.getByRole('button', { name: 'Move Goals earlier' }).click()
    expect(await list()).toEqual(['Vision', 'Goals', 'Values', 'Initiatives', 'First steps'])
    // Or drags one into place: First steps before Initiatives.
    await ann.locator('[data-frame="First steps"]').dragTo(ann.locator('[data-frame="Initiatives"]'))
    expect(await list()).toEqual(['Vision', 'Goals', 'Values', 'First steps', 'Initiatives'])
    await ann.getByRole('button', { name: 'Start presenting' }).click()

    // Ben and Cat see the first frame fitted to their screens.
    for (const p of [ben, cat]) {
      await expect.poll(() => barText(p)).toBe('Ann is presenting · 1/5 Vision')
      await expect.poll(() => fitted(p, 'Vision')).toBe(true)
    }

    // Ann steps with the arrow key: everyone moves to Goals.
    await ann.mouse.click(700, 300)
    await ann.keyboard.press('Escape')
    await ann.keyboard.press('ArrowRight')
    for (const p of [ann, ben, cat]) await expect.poll(() => fitted(p, 'Goals')).toBe(true)
    await e2e.shot(ann, 'present-1-presenter-ann')
    // Each size fits the frame again.
    await atEachSize(ben, async (size) => {
      await expect.poll(() => fitted(ben, 'Goals')).toBe(true)
      await e2e.shot(ben, `present-2-follower-ben-${size}`)
    })

    // Ben moves the canvas: he has stepped out; Ann's Next moves Cat but not Ben.
    await pan(ben, 900, 700)
    await bar(ben).getByRole('button', { name: 'Rejoin presentation' }).waitFor()
    await bar(ann).getByRole('button', { name: 'Next', exact: true }).click()
    await expect.poll(() => barText(ben)).toBe('Ann is presenting · 3/5 Values')
    await expect.poll(() => fitted(cat, 'Values')).toBe(true)
    expect(await fitted(ben, 'Values')).toBe(false)
    await e2e.shot(ben, 'present-3-stepped-out-ben')

    // Ben rejoins: Values, fitted; Ann goes back a frame and Ben follows again.
    await bar(ben).getByRole('button', { name: 'Rejoin presentation' }).click()
    await expect.poll(() => fitted(ben, 'Values')).toBe(true)
    await ann.keyboard.press('ArrowLeft')
    await expect.poll(() => fitted(ben, 'Goals')).toBe(true)
    expect(await bar(ben).getByRole('button', { name: 'Rejoin presentation' }).count()).toBe(0)

    // Cat presents too: she is asked first, then takes over for everyone.
    await openPanel(cat, 'present')
    await cat.getByRole('button', { name: 'Start presenting' }).click()
    await cat.getByRole('alertdialog', { name: 'Take over the presentation' }).getByRole('button', { name: 'Take over' }).click()
    await expect.poll(() => barText(ann)).toBe('Cat is presenting · 1/5 Vision')
    await expect.poll(() => fitted(ann, 'Vision')).toBe(true)

    // Cat leaves: the presentation ends for all.
    await cat.context().close()
    await expect.poll(() => bar(ben).count(), { timeout: 20_000 }).toBe(0)
    expect(await bar(ann).count()).toBe(0)
    expect(await sessionActs(ben)).toEqual([
      'Ann started presenting (5 frames)',
      'Ann showed frame 2: Goals',
      'Ann showed frame 3: Values',
      'Ann showed frame 2: Goals',
      'Cat took over the presentation from Ann (5 frames)',
      'The presentation ended: its presenter left',
    ])
  })
})
