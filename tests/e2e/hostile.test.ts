import { describe, expect, it } from 'vitest'
import { createShapeId, type TLRecord } from 'tldraw'
import { newBoardId, replaceBoardContent, type JsonRecord } from '@roundtable/shared'
import { newTestStore, testBoardRecords } from '../../shared/src/export/testBoard.ts'
import { notes, writeSticky } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'
import { connectClient, eventually, whenSynced } from '../support/yclient.ts'

const e2e = useE2eSession()

/** Writes `records` into a new board as a peer would, bypassing any page's checks. */
async function seedBoard(boardId: string, records: JsonRecord[]) {
  const client = connectClient(e2e.server.wsUrl, boardId)
  await whenSynced(client)
  replaceBoardContent(client.doc, { records }, { schema: newTestStore().schema.serialize(), title: 'Hostile' })
  await eventually(async () => expect((await fetch(`${e2e.server.url}/api/boards/${boardId}/export`)).status).toBe(200))
  await new Promise((r) => setTimeout(r, 300))
  client.destroy()
}

describe('a board written by an attacker', () => {
  it('holding javascript: links: the page shows the shapes, offers no link, a click navigates nowhere, and the board stays usable', async () => {
    const boardId = newBoardId()
    const base = testBoardRecords().records.filter((r) => r.typeName === 'document' || r.typeName === 'page')
    const page0 = base.find((r) => r.typeName === 'page')!.id
    // A whole note as tldraw writes it, whose link (notes have one) runs script.
    const note = testBoardRecords().records.find((r) => (r as { type?: string }).type === 'note') as TLRecord & { props: object }
    const trap = {
      ...note,
      id: createShapeId('trap'),
      parentId: page0,
      x: 100,
      y: 100,
      props: { ...note.props, url: 'javascript:window.__pwned=1' },
    }
    await seedBoard(boardId, [...base, trap] as unknown as JsonRecord[])

    const page = await e2e.openBoard(boardId, 'Ana')
    const before = page.url()
    await expect.poll(() => page.locator('.tl-shape[data-shape-type="note"]').count()).toBe(1)
    expect(await page.locator('a[href^="javascript:" i], [href^="javascript:" i]').count()).toBe(0)
    expect(await page.locator('.tl-hyperlink-button').count()).toBe(0)

    // Wherever someone clicks on it (its middle, where the link button would sit), nothing runs or opens.
    const box = (await page.locator('.tl-shape[data-shape-type="note"]').boundingBox())!
    const pagesBefore = page.context().pages().length
    for (const [x, y] of [
      [box.x + box.width / 2, box.y + box.height / 2],
      [box.x + box.width - 12, box.y + box.height - 12],
    ]) {
      await page.mouse.click(x, y)
      await page.mouse.dblclick(x, y)
      await page.keyboard.press('Escape')
    }
    await page.waitForTimeout(300)
    expect(page.url()).toBe(before)
    expect(page.context().pages().length).toBe(pagesBefore)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()

    // Not frozen as "a newer version": people keep working on it.
    await writeSticky(page, { x: 700, y: 500 }, 'still usable')
    await expect.poll(() => notes(page).count()).toBe(2)
  })
})
