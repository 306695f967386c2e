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

/** Pans the canvas as a person does, with the scroll wheel over empty canvas. */
export async function pan(page: Page, dx: number, dy: number) {
  await page.mouse.move(900, 500)
  for (let i = 0; i < 5; i++) await page.mouse.wheel(dx / 5, dy / 5)
}

/** Opens the leadership timeline and reads its acts, oldest first. */
export async function sessionActs(page: Page): Promise<string[]> {
  const log = page.getByRole('list', { name: 'Session log' })
  if (!(await log.isVisible())) await openPanel(page, 'timeline')
  return (await log.locator('.fac-act').allTextContents()).reverse()
}

/** The sizes screenshots are looked at in: a laptop, a tablet and a phone. */
export const SCREEN_SIZES = [
  { width: 1280, height: 800 },
  { width: 820, height: 1180 },
  { width: 390, height: 844 },
]

/** Runs `shoot` with the page at each of SCREEN_SIZES (named `<width>x<height>`), then back at the laptop size. */
export async function atEachSize(page: Page, shoot: (size: string) => Promise<void>) {
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize(size)
    await page.waitForTimeout(300)
    await shoot(`${size.width}x${size.height}`)
  }
  await page.setViewportSize(SCREEN_SIZES[0])
}

/** Opens a panel from the dock's rail (panels are folded away so the canvas comes first); one already open stays open. */
export async function openPanel(page: Page, id: string) {
  const button = page.locator(`.dock-button[data-dock="${id}"]`)
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click()
  await page.locator(`[data-dock-panel="${id}"]`).waitFor()
}
