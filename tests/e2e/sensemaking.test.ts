import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { noteWithText, openPanel, writeSticky } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

const frameNamed = (page: Page, name: string) => page.locator('.tl-shape[data-shape-type="frame"]', { hasText: name })
const participantRow = (page: Page, name: string) => page.locator(`.sm-participation li[data-participant="${name}"]`)

async function boxOf(locator: ReturnType<Page['locator']>) {
  const box = await locator.boundingBox()
  if (!box) throw new Error('not visible')
  return box
}

describe('sense-making together', () => {
  it('a vision map is filled, clustered into themes and shows whose voice is missing, live for everyone', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')

    // Both people are listed; nobody has been heard from yet.
    await expect.poll(() => participantRow(alice, 'Bob').textContent()).toContain('not heard from yet')

    // Alice inserts a vision map from the Templates menu; Bob sees all of it.
    await alice.getByRole('button', { name: /Templates/ }).click()
    await alice.getByRole('menuitem', { name: /Vision map/ }).click()
    for (const name of ['Vision', 'Values', 'Goals', 'Initiatives', 'First steps']) {
      await frameNamed(alice, name).waitFor()
      await frameNamed(bob, name).waitFor({ timeout: 5000 })
    }

    // Inserting is one undoable step, for everyone.
    await alice.keyboard.press('Control+z')
    await expect.poll(() => frameNamed(bob, 'Goals').count(), { timeout: 5000 }).toBe(0)
    expect(await alice.locator('.tl-shape').count()).toBe(0)
    await alice.keyboard.press('Control+Shift+z')
    await frameNamed(bob, 'Goals').waitFor({ timeout: 5000 })
    await e2e.shot(alice, 'sensemaking-template')

    // Alice fills the vision area with ideas.
    const vision = await boxOf(frameNamed(alice, 'Vision'))
    const y = vision.y + vision.height * 0.62
    const ideas = ['Buddy for every new hire', 'Pair new hire with mentor', 'Automate the deployment pipeline', 'Deployment takes hours']
    for (const [i, text] of ideas.entries()) await writeSticky(alice, { x: vision.x + 110 + i * 190, y }, text)
    for (const text of ideas) await noteWithText(bob, text).waitFor({ timeout: 5000 })

    // Alice groups the two onboarding ideas and names the group.
    await noteWithText(alice, ideas[0]).click()
    await noteWithText(alice, ideas[1]).click({ modifiers: ['Shift'] })
    await alice.getByRole('button', { name: 'Group 2 notes' }).click()
    await alice.getByLabel(/Name this group/).fill('Welcoming people')
    await alice.keyboard.press('Enter')
    await frameNamed(bob, 'Welcoming people').waitFor({ timeout: 5000 })

    // Suggestions are drawn only on Alice's screen until she accepts one.
    await alice.getByRole('button', { name: 'Suggest clusters' }).click()
    const suggestion = alice.locator('.sm-suggestion')
    await expect.poll(() => suggestion.count()).toBe(1)
    expect(await suggestion.getAttribute('data-suggestion')).toMatch(/^Deployment/)
    expect(await bob.locator('.sm-suggestion').count()).toBe(0)
    await e2e.shot(alice, 'sensemaking-suggestion')
    await alice.getByRole('button', { name: 'Accept' }).click()
    const deployFrame = frameNamed(bob, 'Deployment')
    await deployFrame.waitFor({ timeout: 5000 })
    await expect.poll(() => alice.locator('.sm-suggestion').count()).toBe(0)

    // Bob sees every note inside its theme frame.
    const theme = await boxOf(deployFrame)
    for (const text of ideas.slice(2)) {
      const note = await boxOf(noteWithText(bob, text))
      expect(note.x).toBeGreaterThanOrEqual(theme.x)
      expect(note.x + note.width).toBeLessThanOrEqual(theme.x + theme.width + 1)
    }

    // Bob has not been heard from yet, until he writes a note.
    expect(await participantRow(alice, 'Bob').textContent()).toContain('not heard from yet')
    expect(await participantRow(alice, 'Alice').textContent()).toContain('4 notes')
    await expect.poll(() => alice.locator('.sm-invite').textContent()).toContain('Bob')
    await e2e.shot(bob, 'sensemaking-bob-before')
    const goals = await boxOf(frameNamed(bob, 'Goals'))
    await writeSticky(bob, { x: goals.x + goals.width / 2, y: goals.y + goals.height / 2 }, 'Ship every week')
    await expect.poll(() => participantRow(alice, 'Bob').textContent(), { timeout: 5000 }).toContain('1 note')
    await expect.poll(() => alice.locator('.sm-invite').count()).toBe(0)

    // Time holding the baton, from the facilitation log, shows for whoever led.
    await openPanel(bob, 'people')
    await bob.getByRole('button', { name: 'Step forward' }).click()
    await expect.poll(() => participantRow(alice, 'Bob').textContent(), { timeout: 5000 }).toContain('baton')
    expect(await participantRow(alice, 'Alice').textContent()).not.toContain('baton')
    await e2e.shot(alice, 'sensemaking-alice-after')
    await e2e.shot(bob, 'sensemaking-bob-after')
  })
})

describe('keyboard', () => {
  it('inserts a template and names a group without a mouse', async () => {
    const page = await e2e.openBoard(newBoardId(), 'Kim')
    const templates = page.getByRole('button', { name: /Templates/ })
    await templates.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('Vision map')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toContain('Retrospective')
    await page.keyboard.press('Enter')
    for (const name of ['Went well', 'To improve', 'Ideas', 'Actions']) await frameNamed(page, name).waitFor()
    expect(await page.getByRole('menu').count()).toBe(0)

    // Escape closes the menu and inserts nothing.
    await templates.focus()
    await page.keyboard.press('Enter')
    await page.keyboard.press('Escape')
    expect(await page.getByRole('menu').count()).toBe(0)
    expect(await frameNamed(page, 'Strengths').count()).toBe(0)
    await e2e.shot(page, 'sensemaking-retro')
  })
})
