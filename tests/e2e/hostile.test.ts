import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { createShapeId, defaultShapeUtils, toRichText, type TLRecord } from 'tldraw'
import { newBoardId, replaceBoardContent, type JsonRecord } from '@roundtable/shared'
import { newTestStore, testBoardRecords } from '../../shared/src/export/testBoard.ts'
import { notes, writeSticky } from '../support/e2e.ts'
import { artifactPath, useE2eSession } from '../support/e2eSession.ts'
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

const HTML = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><a href="javascript:window.__pwned=3">x</a>'
const SVG_WITH_SCRIPT =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=4" width="10" height="10"><script>window.__pwned=5</script><rect width="10" height="10"/></svg>',
  )

/** One of each record that can carry a link, a picture or text, each holding script where it can. */
function hostileRecords(): JsonRecord[] {
  const base = testBoardRecords().records.filter((r) => r.typeName === 'document' || r.typeName === 'page')
  const page0 = base.find((r) => r.typeName === 'page')!.id
  const schema = newTestStore().schema
  let n = 0
  const shape = (type: string, x: number, y: number, props: Record<string, unknown>) => {
    const Util = defaultShapeUtils.find((u) => u.type === type)!
    const defaults = new Util(null as never).getDefaultProps() as unknown as Record<string, unknown>
    return schema.types.shape.create({
      id: createShapeId(`${type}-${n}`),
      type,
      parentId: page0,
      index: `a${++n}`,
      x,
      y,
      props: { ...defaults, ...props },
    } as never)
  }
  const asset = (id: string, type: string, props: Record<string, unknown>) => ({ id, typeName: 'asset', type, props, meta: {} })
  return [
    ...base.map((r) => (r.typeName === 'page' ? { ...r, name: HTML } : r)),
    shape('frame', 0, 0, { name: HTML, w: 1400, h: 900 }),
    shape('note', 40, 40, { richText: toRichText(HTML), url: 'javascript:window.__pwned=6' }),
    shape('geo', 300, 40, { richText: toRichText(HTML), url: 'data:text/html,<script>window.__pwned=7</script>' }),
    shape('text', 600, 40, { richText: toRichText(HTML) }),
    shape('bookmark', 40, 300, { url: 'javascript:window.__pwned=8', assetId: 'asset:bookmark' }),
    shape('embed', 400, 300, { url: 'data:text/html,<script>window.__pwned=9</script>', w: 300, h: 200 }),
    shape('image', 800, 300, { assetId: 'asset:svg', w: 100, h: 100, url: 'javascript:window.__pwned=10' }),
    asset('asset:bookmark', 'bookmark', {
      src: 'javascript:window.__pwned=11',
      title: HTML,
      description: HTML,
      image: 'data:text/html,<script>window.__pwned=12</script>',
      favicon: SVG_WITH_SCRIPT,
    }),
    asset('asset:svg', 'image', { src: SVG_WITH_SCRIPT, w: 10, h: 10, name: HTML, isAnimated: false, mimeType: 'image/svg+xml' }),
  ] as unknown as JsonRecord[]
}

async function exportFile(page: Page, format: string, name: string): Promise<Buffer> {
  const dialog = page.getByRole('dialog', { name: 'Export' })
  if (!(await dialog.isVisible())) {
    await page.getByTestId('main-menu.button').click()
    await page.getByRole('menuitem', { name: 'Export…' }).click()
  }
  await dialog.getByLabel(format).check()
  const download = page.waitForEvent('download', { timeout: 120_000 })
  await dialog.getByRole('button', { name: 'Export' }).click()
  const file = artifactPath(name)
  await (await download).saveAs(file)
  return fs.readFileSync(file)
}

/**
 * Everything in an SVG that could run script or navigate to it, found by Chromium's XML parser
 * (not a regex): script elements, on* attributes, and javascript: or data:text/html links and
 * sources, including inside SVG pictures embedded as data: URLs.
 */
function activeSvgContent(page: Page, svg: string): Promise<string[]> {
  return page.evaluate((text) => {
    const found: string[] = []
    const scan = (markup: string, where: string, depth: number) => {
      const doc = new DOMParser().parseFromString(markup, 'image/svg+xml')
      if (doc.querySelector('parsererror')) found.push(`${where}: not well-formed`)
      for (const el of doc.getElementsByTagName('*')) {
        if (el.localName.toLowerCase() === 'script') found.push(`${where}: <script>`)
        for (const attr of el.attributes) {
          // Browsers ignore whitespace and control characters in a URL's scheme.
          const value = [...attr.value]
            .filter((c) => c.charCodeAt(0) > 32)
            .join('')
            .toLowerCase()
          if (/^on/i.test(attr.localName)) found.push(`${where}: ${attr.name} on <${el.localName}>`)
          if (value.startsWith('javascript:') || value.startsWith('data:text/html'))
            found.push(`${where}: ${attr.name}=${attr.value.slice(0, 40)}`)
          if (depth < 3 && value.startsWith('data:image/svg+xml')) {
            const comma = attr.value.indexOf(',')
            const body = attr.value.slice(comma + 1)
            scan(/;base64$/i.test(attr.value.slice(0, comma)) ? atob(body) : decodeURIComponent(body), `${where} > ${attr.name}`, depth + 1)
          }
        }
      }
    }
    scan(text, 'svg', 0)
    return found
  }, svg)
}

describe('exports of a board written by an attacker', () => {
  it('carry no live script: the SVG has no script, handlers or script links, the PDF no JavaScript, launch or script-link actions', async () => {
    const boardId = newBoardId()
    await seedBoard(boardId, hostileRecords())
    const page = await e2e.openBoard(boardId, 'Ana')
    await expect.poll(() => page.locator('.tl-shape[data-shape-type="note"]').count()).toBe(1)

    const svg = (await exportFile(page, 'SVG image', 'hostile.svg')).toString('utf8')
    // The text is there, as text: the check below would find the markup if it were markup.
    expect(svg).toContain('&lt;script&gt;')
    expect(await activeSvgContent(page, svg)).toEqual([])
    // The checker does find what it looks for.
    expect(await activeSvgContent(page, `<svg xmlns="http://www.w3.org/2000/svg"><image href="${SVG_WITH_SCRIPT}"/></svg>`)).toHaveLength(2)

    const pdfBytes = await exportFile(page, 'PDF document', 'hostile.pdf')
    const raw = pdfBytes.toString('latin1')
    expect(raw).not.toMatch(/\/(?:JavaScript|JS|Launch|SubmitForm|ImportData|RichMedia)\b/)
    expect(raw).not.toMatch(/\/URI\s*\((?:\s|\\[0-9]{3})*(?:javascript|data):/i)
    const pdf = await getDocument({ data: new Uint8Array(pdfBytes) }).promise
    expect(await pdf.getJSActions()).toBeNull()
    // jsPDF opens the first page (a destination, not an action).
    expect((await pdf.getOpenAction())?.action).toBeUndefined()
    for (let i = 1; i <= pdf.numPages; i++) {
      for (const annotation of await (await pdf.getPage(i)).getAnnotations()) {
        const target = String(annotation.url ?? annotation.unsafeUrl ?? '')
        expect(target, `page ${i} link`).not.toMatch(/^\s*(?:javascript|data):/i)
        expect(annotation.action ?? annotation.actions ?? null, `page ${i} action`).toBeFalsy()
      }
    }
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
  })
})
