import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { atEachSize, openPanel, sessionActs } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

async function openBoard(boardId: string, name: string, clockShiftMs = 0): Promise<Page> {
  const page = await e2e.openBoard(boardId, name, { clockShiftMs })
  await openPanel(page, 'hands')
  return page
}

const queue = (page: Page) => page.locator('[data-hand]').evaluateAll((els) => els.map((e) => e.getAttribute('data-hand')))
const called = (page: Page) => page.locator('.fac-called-text').textContent()
const shot = (page: Page, name: string) => e2e.shot(page, `turns-${name}`)

describe('raised hands across three browsers, one clock minutes off', () => {
  it('raise, queue, call next, pass, lower a forgotten hand, away people skipped, offer to take the baton', async () => {
    const boardId = newBoardId()
    const ann = await openBoard(boardId, 'Ann')
    const ben = await openBoard(boardId, 'Ben', 6 * 60_000)
    const cat = await openBoard(boardId, 'Cat')

    // Ben raises his hand with the button, Cat with the keyboard shortcut (over the canvas).
    await ben.getByRole('button', { name: 'Raise hand' }).click()
    await cat.mouse.move(700, 400)
    await cat.keyboard.press('Shift+R')
    await expect.poll(() => queue(ann)).toEqual(['Ben', 'Cat'])
    // Ben's clock is 6 minutes fast, yet he has waited seconds, not minutes, on every screen.
    for (const p of [ann, ben, cat])
      await expect.poll(() => p.locator('[data-hand="Ben"] .fac-sub').textContent()).toMatch(/^waiting 0:0\d/)
    // The first in the queue is highlighted for everyone.
    expect(await cat.locator('[data-hand="Ben"]').getAttribute('class')).toContain('fac-next')
    await atEachSize(ann, (size) => shot(ann, `queue-ann-${size}`))

    // Ann calls next: Ben's turn, for everyone; he leaves the queue.
    await ann.getByRole('button', { name: 'Call next' }).click()
    await expect.poll(() => called(cat)).toBe('Ben’s turn')
    expect(await called(ben)).toBe('Your turn (Ann called you)')
    await expect.poll(() => queue(ben)).toEqual(['Cat'])
    await shot(ben, 'called-ben')

    // Ben passes; everyone sees it.
    await ben.getByRole('button', { name: 'Pass', exact: true }).click()
    await expect.poll(() => called(ann)).toBe('Ben passed')

    // Cat lowers her own hand with the shortcut again; Ann raises hers and Ben removes it as forgotten.
    await cat.keyboard.press('Shift+R')
    await expect.poll(() => queue(ann)).toEqual([])
    await ann.getByRole('button', { name: 'Raise hand' }).click()
    await expect.poll(() => queue(ben)).toEqual(['Ann'])
    await ben.getByRole('button', { name: 'Lower Ann’s hand' }).click()
    await expect.poll(() => queue(ann)).toEqual([])
    expect(await ann.getByRole('button', { name: 'Call next' }).isDisabled()).toBe(true)

    // Cat raises her hand, then leaves: shown as away and skipped; Ben's later hand is called.
    await cat.getByRole('button', { name: 'Raise hand' }).click()
    await expect.poll(() => queue(ann)).toEqual(['Cat'])
    await cat.context().close()
    await expect.poll(() => ann.locator('[data-hand="Cat"] .fac-sub').textContent(), { timeout: 15_000 }).toBe('away: skipped')
    await ben.getByRole('button', { name: 'Raise hand' }).click()
    await expect.poll(() => queue(ann)).toEqual(['Cat', 'Ben'])
    expect(await ann.locator('[data-hand="Ben"]').getAttribute('class')).toContain('fac-next')
    await ann.getByRole('button', { name: 'Call next' }).click()
    await expect.poll(() => called(ben)).toBe('Your turn (Ann called you)')
    await expect.poll(() => queue(ann)).toEqual(['Cat'])

    // Ann holds the baton; Ben offers to take it; her panel shows it and she passes it.
    await openPanel(ann, 'people')
    await ann.getByRole('button', { name: 'Step forward' }).click()
    await openPanel(ben, 'people')
    await ben.getByRole('button', { name: 'Raise hand to take the baton' }).click()
    const offer = ann.locator('[data-offer="Ben"]')
    await offer.waitFor()
    expect(await ann.locator('[data-hand="Ben"] .fac-sub').textContent()).toContain('offers to take the baton')
    await shot(ann, 'baton-offer-ann')
    await offer.getByRole('button', { name: 'Pass', exact: true }).click()
    await expect.poll(() => ben.locator('.fac-baton-text').textContent()).toBe('You are facilitating')

    // The timeline tells it all, without a second "called" for one turn.
    const acts = await sessionActs(ben)
    expect(acts.filter((a) => /called on|passed$|hand/.test(a))).toEqual([
      'Ben raised a hand',
      'Cat raised a hand',
      'Ann called on Ben',
      'Ben passed',
      'Cat lowered their hand',
      'Ann raised a hand',
      'Ben lowered Ann’s hand',
      'Cat raised a hand',
      'Ben raised a hand',
      'Ann called on Ben',
      'Ben raised a hand to take the baton',
    ])
  })
})
