import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { toRichText, type TLRecord } from 'tldraw'
import { markOutcome, newBoardId, replaceBoardContent, type JsonRecord } from '@roundtable/shared'
import { newTestStore, testBoardRecords } from '../../shared/src/export/testBoard.ts'
import { noteWithText, openPanel, writeSticky } from '../support/e2e.ts'
import { axeViolations } from '../support/axe.ts'
import { artifactPath, useE2eSession } from '../support/e2eSession.ts'
import { connectClient, eventually, whenSynced } from '../support/yclient.ts'
import { getJson } from '../integration/helpers.ts'

const e2e = useE2eSession()

const selectionBar = (page: Page) => page.getByRole('toolbar', { name: 'Selected shape' })
const thread = (page: Page) => page.locator('section.oc-thread')
const outcomesPanel = (page: Page) => page.locator('details.oc-panel')

describe('comments, decisions and actions', () => {
  it('two people comment and reply; one volunteers for an action and ticks it done, the other sees it', async () => {
    const boardId = newBoardId()
    const bea = await e2e.openBoard(boardId, 'Bea')
    const cem = await e2e.openBoard(boardId, 'Cem')
    await writeSticky(bea, { x: 560, y: 380 }, 'Write the onboarding guide')
    await noteWithText(cem, 'Write the onboarding guide').waitFor()

    // Bea comments, mentioning Cem; Cem sees the badge, his mention highlighted, and replies.
    await noteWithText(bea, 'Write the onboarding guide').click()
    await selectionBar(bea).getByRole('button', { name: 'Comment', exact: true }).click()
    await thread(bea).getByLabel('Comment', { exact: true }).fill('Can you take this, @Cem?')
    await thread(bea).getByRole('button', { name: 'Comment', exact: true }).click()
    await thread(bea).getByText('Can you take this').waitFor()
    const badge = cem.getByRole('button', { name: /1 comment on “Write the onboarding guide”, mentions you/ })
    await badge.click()
    await expect.poll(() => thread(cem).locator('mark.oc-mention-me').textContent()).toBe('@Cem')
    await thread(cem).getByLabel('Reply', { exact: true }).fill('Yes, by Friday')
    await thread(cem).getByLabel('Reply', { exact: true }).press('Control+Enter')
    await thread(bea).getByText('Yes, by Friday').waitFor()
    expect(
      await thread(bea)
        .locator('[data-comment-by]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-comment-by'))),
    ).toEqual(['Bea', 'Cem'])
    await e2e.shot(cem, 'outcomes-thread-cem')
    await cem.keyboard.press('Escape')
    await thread(bea).getByRole('button', { name: 'Close comments' }).click()

    // Bea marks it as an action; Cem volunteers in the panel and ticks it done; Bea sees both.
    await selectionBar(bea).getByRole('button', { name: 'Action' }).click()
    await cem.locator('[data-outcome="action"]').waitFor()
    await openPanel(cem, 'outcomes')
    const item = outcomesPanel(cem).locator('[data-outcome-text="Write the onboarding guide"]')
    await item.getByRole('button', { name: 'I’ll take it' }).click()
    await item.getByLabel('Due').fill('2031-05-16')
    await openPanel(bea, 'outcomes')
    const seen = outcomesPanel(bea).locator('[data-outcome-text="Write the onboarding guide"]')
    await seen.getByText('Volunteers: Cem', { exact: true }).waitFor()
    await expect.poll(() => seen.getByLabel('Due').inputValue()).toBe('2031-05-16')
    for (const size of [
      { width: 1280, height: 800 },
      { width: 820, height: 1180 },
      { width: 390, height: 844 },
    ]) {
      await bea.setViewportSize(size)
      await e2e.shot(bea, `outcomes-panel-${size.width}x${size.height}`)
    }
    await bea.setViewportSize({ width: 1280, height: 800 })
    expect(await axeViolations(bea, (target) => target.includes('oc-'))).toEqual([])

    // Ticked, it leaves Cem's list of open ones.
    await item.getByLabel('Done: Write the onboarding guide').click()
    await item.waitFor({ state: 'detached' })
    await outcomesPanel(bea).getByLabel('Done', { exact: true }).check()
    await expect.poll(() => seen.getByRole('checkbox').isChecked()).toBe(true)
    await bea.locator('[data-outcome="action"].oc-done').waitFor()

    // Everyone's report has it, as a ticked task with its volunteer and due date.
    const md = await (await fetch(`${e2e.server.url}/api/boards/${boardId}/export?format=md`)).text()
    expect(md).toContain('- [x] Write the onboarding guide (volunteers: Cem; due 2031-05-16; done by Cem)')
    expect(md).toMatch(/- \*\*Bea\*\*, \d\d:\d\d: Can you take this, @Cem\?\n {2}- \*\*Cem\*\*, \d\d:\d\d: Yes, by Friday/)
  })

  it('exports a PDF with a cover, one page per frame in reading order, and the notes’ text selectable', async () => {
    const boardId = newBoardId()
    const { records } = testBoardRecords()
    const store = newTestStore()
    // A third top-level frame below the others, made like the fixed board's "Risks" frame and its note.
    const like = (id: string) => records.find((r) => r.id === id) as TLRecord & { props: object }
    const extra = [
      { ...like('shape:risks'), id: 'shape:later', index: 'a9', x: 0, y: 1200, props: { ...like('shape:risks').props, name: 'Later' } },
      {
        ...like('shape:r1'),
        id: 'shape:l1',
        parentId: 'shape:later',
        props: { ...like('shape:r1').props, richText: toRichText('Revisit in June') },
      },
    ] as TLRecord[]
    const client = connectClient(e2e.server.wsUrl, boardId)
    await whenSynced(client)
    replaceBoardContent(
      client.doc,
      { records: [...records, ...extra] as unknown as JsonRecord[] },
      { schema: store.schema.serialize(), title: 'Q2 planning' },
    )
    markOutcome(client.doc, { id: 'p-ana', name: 'Ana' }, 'shape:d1', 'action', Date.now())
    await eventually(async () =>
      expect((await getJson(`${e2e.server.url}/api/boards/${boardId}/actions`)).body).toMatchObject({ actions: [{}] }),
    )
    client.destroy()

    const ana = await e2e.openBoard(boardId, 'Ana')
    await noteWithText(ana, 'Revisit in June').waitFor({ state: 'attached' })
    await ana.getByTestId('main-menu.button').click()
    await ana.getByRole('menuitem', { name: 'Export…' }).click()
    const dialog = ana.getByRole('dialog', { name: 'Export' })
    await dialog.getByLabel('PDF document').check()
    await dialog.getByLabel('Pages').selectOption('frames')
    const download = ana.waitForEvent('download', { timeout: 60_000 })
    await dialog.getByRole('button', { name: 'Export' }).click()
    await dialog.getByRole('progressbar').waitFor()
    const file = artifactPath('outcomes-frames.pdf')

    await (await download).saveAs(file)
    await e2e.shot(ana, 'outcomes-pdf-dialog')

    const pdf = await getDocument({ data: new Uint8Array(fs.readFileSync(file)) }).promise
    const texts: string[] = []
    for (let i = 1; i <= pdf.numPages; i++) {
      const content = await (await pdf.getPage(i)).getTextContent()
      texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '))
    }
    // Cover, the three top-level frames top to bottom then left to right, decisions and actions.
    expect(pdf.numPages).toBe(5)
    expect(texts[0]).toMatch(/Q2 planning.*Who took part.*Ana/)
    expect(texts[1]).toMatch(/^Vision /)
    for (const note of [
      'Ship every week',
      'Customers *love* the new onboarding',
      'Automate the pipeline',
      'Deploys take hours and break on Fridays',
    ])
      expect(texts[1]).toContain(note)
    expect(texts[2]).toMatch(/^Risks.*Key person leaves/)
    expect(texts[3]).toMatch(/^Later.*Revisit in June/)
    expect(texts[4]).toMatch(/Decisions.*None recorded.*Actions.*\[ \] Automate the pipeline.*no volunteer yet/)
  })
})
