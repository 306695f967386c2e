import { expect } from 'vitest'
import type { Page } from 'playwright-core'

/** The state of the board's sync socket as the page shows it: 'connected', 'offline', … */
export const connectionState = (page: Page) => page.locator('[data-connection]').getAttribute('data-connection')

/** Waits until the canvas is up and the sync socket is connected. */
export async function waitUntilOnBoard(page: Page) {
  await page.locator('.tl-canvas').waitFor()
  await expect.poll(() => connectionState(page)).toBe('connected')
}

/** Opens a board (or view) URL as someone new in this browser profile: asked for a name once. */
export async function joinBoard(page: Page, url: string, name: string) {
  await page.goto(url)
  await page.getByLabel('Your name').fill(name)
  await page.getByRole('button', { name: 'Join board' }).click()
  await waitUntilOnBoard(page)
}

const NOTE = '.tl-shape[data-shape-type="note"]'
/** Every sticky note on the page's canvas. */
export const notes = (page: Page) => page.locator(NOTE)
export const noteWithText = (page: Page, text: string) => page.locator(NOTE, { hasText: text })

/** Writes a sticky note with the keyboard as a person would, and waits until it shows. */
export async function writeSticky(page: Page, at: { x: number; y: number }, text: string) {
  await page.mouse.move(at.x, at.y)
  await page.keyboard.press('n')
  await page.mouse.click(at.x, at.y)
  // The note's text editor takes focus once the shape exists; type only then.
  await page.locator('[contenteditable="true"]').waitFor()
  await page.keyboard.type(text)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Escape')
  await noteWithText(page, text).waitFor()
}
