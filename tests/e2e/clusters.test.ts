import { describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import { noteWithText, writeSticky } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

const e2e = useE2eSession()

describe('cluster suggestions by meaning', () => {
  it('suggests notes that mean the same, re-groups with the slider, and an accepted one reaches everyone', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    const bob = await e2e.openBoard(boardId, 'Bob')
    // Two themes, and no word shared within either.
    const ideas = ['Fresh fruit in the kitchen', 'Hire two senior engineers', 'Healthier snacks', 'Recruit a data scientist']
    for (const [i, text] of ideas.entries()) await writeSticky(alice, { x: 450 + (i % 2) * 280, y: 280 + Math.floor(i / 2) * 260 }, text)
    for (const text of ideas) await noteWithText(bob, text).waitFor({ timeout: 5000 })

    await alice.getByRole('button', { name: 'Suggest clusters' }).click()
    const suggestions = alice.locator('.sm-suggestion')
    await expect.poll(() => suggestions.count(), { timeout: 15_000 }).toBe(2)
    expect(await alice.locator('.sm-message').textContent()).toBe('2 suggested clusters shown on the board')
    const food = alice
      .getByRole('form', { name: /Suggested cluster/ })
      .filter({ has: alice.getByRole('textbox', { name: 'Cluster name' }) })
    expect(await food.count()).toBe(2)
    await e2e.shot(alice, 'clusters-suggested')

    // With the slider and the message, the toolbar still fits: no button's words wrap onto a second
    // line, on a laptop, a tablet or a phone (where whole controls may move to a second row).
    for (const [width, height] of [
      [1280, 800],
      [820, 1180],
      [390, 844],
    ]) {
      await alice.setViewportSize({ width, height })
      await alice.waitForTimeout(1000)
      await e2e.shot(alice, `clusters-toolbar-${width}`)
      const toolbar = alice.getByRole('toolbar', { name: 'Sense-making' })
      for (const name of ['Templates', 'Group', 'Suggest clusters']) {
        const button = toolbar.getByRole('button', { name, exact: true })
        // The lines its words take (an icon beside them sits a little lower than the text: not a line).
        const lines = await button.evaluate((b) => {
          const range = document.createRange()
          const words = document.createTreeWalker(b, NodeFilter.SHOW_TEXT)
          const tops = new Set<number>()
          for (let n = words.nextNode(); n; n = words.nextNode()) {
            range.selectNodeContents(n)
            for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top))
          }
          return tops.size
        })
        expect(lines, `${name} at ${width}px`).toBe(1)
      }
      const box = (await toolbar.boundingBox())!
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(width)
      if (width === 1280) expect(box.height, 'one row at 1280px').toBeLessThan(50)
      // Below the shared timer, and clear of tldraw's menus and share zone.
      for (const other of ['.fac-timer', '.tlui-menu-zone', '.tlui-share-zone']) {
        const o = (await alice.locator(other).boundingBox())!
        const apart = box.x + box.width <= o.x || o.x + o.width <= box.x || box.y + box.height <= o.y || o.y + o.height <= box.y
        expect(apart, `clear of ${other} at ${width}px`).toBe(true)
      }
    }
    await alice.setViewportSize({ width: 1280, height: 800 })

    // Stricter: no pair is that alike; looser again: both come back, without asking anew.
    const slider = alice.getByRole('slider', { name: 'How similar?' })
    await slider.fill('0.65')
    await expect.poll(() => suggestions.count()).toBe(0)
    expect(await alice.locator('.sm-message').textContent()).toBe('No similar notes to cluster')
    await slider.fill('0.2')
    await expect.poll(() => suggestions.count()).toBe(2)

    // Alice accepts the food theme under her own name and dismisses the other.
    const forNote = async (text: string) => {
      const noteBox = (await noteWithText(alice, text).boundingBox())!
      for (let i = 0; i < (await suggestions.count()); i++) {
        const box = (await suggestions.nth(i).boundingBox())!
        if (
          noteBox.x >= box.x &&
          noteBox.x + noteBox.width <= box.x + box.width &&
          noteBox.y >= box.y &&
          noteBox.y + noteBox.height <= box.y + box.height
        )
          return suggestions.nth(i)
      }
      throw new Error(`no suggestion holds "${text}"`)
    }
    const snacks = await forNote('Healthier snacks')
    await snacks.getByRole('textbox', { name: 'Cluster name' }).fill('Food')
    await snacks.getByRole('button', { name: 'Accept' }).click()
    await expect.poll(() => suggestions.count()).toBe(1)
    await (await forNote('Recruit a data scientist')).getByRole('button', { name: 'Dismiss' }).click()
    await expect.poll(() => suggestions.count()).toBe(0)

    // Bob never saw a suggestion, and now sees the accepted frame with both notes inside.
    expect(await bob.locator('.sm-suggestion').count()).toBe(0)
    const frame = bob.locator('.tl-shape[data-shape-type="frame"]', { hasText: 'Food' })
    await frame.waitFor({ timeout: 5000 })
    const theme = (await frame.boundingBox())!
    for (const text of ['Fresh fruit in the kitchen', 'Healthier snacks']) {
      const note = (await noteWithText(bob, text).boundingBox())!
      expect(note.x).toBeGreaterThanOrEqual(theme.x)
      expect(note.y).toBeGreaterThanOrEqual(theme.y)
    }
    expect(await bob.locator('.tl-shape[data-shape-type="frame"]').count()).toBe(1)
    // The vectors came from our own server, nothing from elsewhere.
    expect(e2e.outsideRequests).toEqual([])
  })
})
