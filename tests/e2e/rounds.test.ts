import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { openPanel, sessionActs } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

async function openBoard(boardId: string, name: string, clockShiftMs = 0): Promise<Page> {
  const page = await e2e.openBoard(boardId, name, { clockShiftMs })
  await openPanel(page, 'round')
  return page
}

const panel = (page: Page) => page.locator('.fac-round')
const status = (page: Page) => panel(page).locator('.fac-called-text').textContent()
const left = (page: Page) => panel(page).locator('[role="timer"]').getAttribute('data-turn-remaining-ms').then(Number)
const spoke = (page: Page) => panel(page).getByRole('list', { name: 'Who spoke' }).locator('li').allTextContents()

describe('a go-around across browsers, one clock minutes off', () => {
  it('runs a check-in: done, a skip, a timeout, a latecomer who then leaves; sums up who spoke', async () => {
    const boardId = newBoardId()
    const ann = await openBoard(boardId, 'Ann')
    const ben = await openBoard(boardId, 'Ben')
    const cat = await openBoard(boardId, 'Cat', -5 * 60_000)
    await expect.poll(() => ann.locator('[data-person]').count()).toBe(3)

    // Ann starts a round in join order, 6 seconds each.
    await ann.getByLabel('Go-around prompt').fill('Check-in: one word for how you arrive')
    await ann.getByLabel('Minutes each').fill('0.1')
    await ann.getByLabel('Order').selectOption('joined')
    await ann.getByLabel('Go-around prompt').press('Enter')

    // Everyone sees Ann's turn and the same time left, Cat's clock notwithstanding.
    await expect.poll(() => status(cat)).toBe('Ann’s turn')
    expect(await status(ann)).toBe('Your turn')
    const [a, c] = await Promise.all([left(ann), left(cat)])
    expect(Math.abs(a - c)).toBeLessThan(1000)
    expect(c).toBeGreaterThan(2000)
    expect(c).toBeLessThanOrEqual(6000)
    await e2e.shot(cat, 'rounds-1-turn-cat')

    // Ann is done; Ben's turn; Cat skips Ben.
    await ann.getByRole('button', { name: 'Done' }).click()
    await expect.poll(() => status(cat)).toBe('Ben’s turn')
    await cat.getByRole('button', { name: 'Skip Ben' }).click()
    await expect.poll(() => status(ben)).toBe('Cat’s turn')

    // Dan arrives late: added at the end for everyone.
    const dan = await openBoard(boardId, 'Dan')
    await expect.poll(() => panel(ann).locator('.fac-sub').textContent()).toBe('Up next: Dan')
    await e2e.shot(dan, 'rounds-2-latecomer-dan')

    // Cat's 6 seconds run out: Dan's turn. Dan leaves: his turn is skipped and the round ends.
    await expect.poll(() => status(ann), { timeout: 10_000 }).toBe('Dan’s turn')
    await dan.context().close()
    await expect.poll(() => spoke(ben).catch(() => []), { timeout: 20_000 }).toHaveLength(4)
    const summary = await spoke(ben)
    expect(summary[0]).toMatch(/^Ann 0:0\d$/)
    expect(summary[1]).toBe('Ben skipped')
    expect(summary[2]).toMatch(/^Cat 0:06 \(time ran out\)$/)
    expect(summary[3]).toBe('Dan away')
    expect(await spoke(cat)).toEqual(summary)
    await e2e.shot(ben, 'rounds-3-summary-ben')

    // Participation counts the turns taken; the timeline tells the round.
    await expect.poll(() => ann.locator('[data-participant="Ann"]').textContent()).toContain('1 turn')
    expect(await ann.locator('[data-participant="Ben"]').textContent()).not.toContain('turn')
    expect(await sessionActs(ann)).toEqual([
      'Ann started a go-around: “Check-in: one word for how you arrive” (0.1 min each)',
      'Ann finished their turn',
      'Cat skipped Ben',
      'Dan joined the go-around',
      'Time ran out: the go-around moved on',
      'Skipped someone who left the go-around',
    ])
  })
})
