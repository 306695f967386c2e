import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Download, Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { serializeTldrawJson, toRichText, createShapeId, getIndices, type Editor, type TLRecord } from 'tldraw'
import { newBoardId, parseBoardFile, replaceBoardContent, type JsonRecord } from '@roundtable/shared'
import { migrateImport } from '../../client/src/export/importBoard.ts'
import { newTestStore, testBoardRecords } from '../../shared/src/export/testBoard.ts'
import { connectionState, joinBoard, notes } from '../support/e2e.ts'
import { artifactPath, useE2eSession } from '../support/e2eSession.ts'
import { startServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced } from '../support/yclient.ts'

const e2e = useE2eSession()

async function boardMenu(page: Page, item: string, screenshot?: string) {
  await page.getByTestId('main-menu.button').click()
  if (screenshot) await page.getByRole('menuitem', { name: item }).waitFor()
  if (screenshot) await e2e.shot(page, screenshot)
  await page.getByRole('menuitem', { name: item }).click()
}

async function exportAs(page: Page, format: string, options: { area?: string; scale?: string } = {}): Promise<Download> {
  const dialog = page.getByRole('dialog', { name: 'Export' })
  // The dialog stays open after an export, for the next format.
  if (!(await dialog.isVisible())) await boardMenu(page, 'Export…', 'board-menu')
  await dialog.getByLabel(format).check()
  if (options.area) await dialog.getByLabel('Area').selectOption(options.area)
  if (options.scale) await dialog.getByLabel('Scale').selectOption(options.scale)
  // A 2,000-sticky PNG takes about a minute on two busy cores; the test is about progress and a page that answers, not speed.
  const download = page.waitForEvent('download', { timeout: 150_000 })
  await dialog.getByRole('button', { name: 'Export' }).click()
  return download
}

/** Writes records to a board as any stock Yjs client could (another device, a script). */
async function seedBoard(boardId: string, records: TLRecord[]) {
  const client = connectClient(e2e.server.wsUrl, boardId)
  await whenSynced(client)
  replaceBoardContent(
    client.doc,
    { records: records as unknown as JsonRecord[] },
    { schema: newTestStore().schema.serialize(), title: 'Q2 planning' },
  )
  await eventually(async () => {
    const res = await fetch(`${e2e.server.url}/api/boards/${boardId}/export`)
    expect(res.status).toBe(200)
  })
  await new Promise((r) => setTimeout(r, 300))
  client.destroy()
}

/** A .tldr written by tldraw's own serializer (not ours), as tldraw.com would save it. */
async function writeWorkshopTldr(): Promise<string> {
  const { store } = testBoardRecords()
  const file = artifactPath('workshop.tldr')
  fs.writeFileSync(file, await serializeTldrawJson({ store } as unknown as Editor))
  return file
}

describe('export from the board menu', () => {
  it('exports a PNG that decodes and is not blank, and a Markdown report', async () => {
    const boardId = newBoardId()
    await seedBoard(boardId, testBoardRecords().records)
    const page = await e2e.openBoard(boardId, 'Ana')
    await expect.poll(() => notes(page).count()).toBe(6)

    const download = await exportAs(page, 'PNG image', { scale: '1' })
    const file = artifactPath('export-board.png')
    await download.saveAs(file)
    expect(download.suggestedFilename()).toBe('Q2-planning.png')
    const bytes = fs.readFileSync(file)
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR')
    const width = bytes.readUInt32BE(16)
    const height = bytes.readUInt32BE(20)
    expect(width).toBeGreaterThan(100)
    expect(height).toBeGreaterThan(100)
    const png = PNG.sync.read(bytes)
    // Not blank: the brightness of the pixels varies (notes, text and frames on a background).
    let sum = 0
    let sumSq = 0
    const n = png.width * png.height
    for (let i = 0; i < png.data.length; i += 4) {
      const v = (png.data[i] + png.data[i + 1] + png.data[i + 2]) / 3
      sum += v
      sumSq += v * v
    }
    const variance = sumSq / n - (sum / n) ** 2
    console.log(`PNG ${width}x${height}, brightness variance ${variance.toFixed(0)}`)
    expect(variance).toBeGreaterThan(100)
    await e2e.shot(page, 'export-dialog')

    // Scale 2 doubles the size.
    const twice = PNG.sync.read(fs.readFileSync(await (await exportAs(page, 'PNG image', { scale: '2' })).path()))
    expect(Math.abs(twice.width - 2 * width)).toBeLessThanOrEqual(2)

    const md = fs.readFileSync(await (await exportAs(page, 'Markdown report')).path(), 'utf8')
    expect(md).toMatch(/^# Q2 planning\n/)
    expect(md).toContain('### Vision › Deployment')
    expect(md).toContain('- Automate the pipeline')

    const tldr = JSON.parse(fs.readFileSync(await (await exportAs(page, '.tldr file')).path(), 'utf8'))
    expect(tldr.tldrawFileFormatVersion).toBe(1)
    expect(tldr.records.filter((r: { type?: string }) => r.type === 'note')).toHaveLength(6)
  })

  it('exports 2,000 stickies with visible progress while the page keeps responding', async () => {
    const boardId = newBoardId()
    const store = newTestStore()
    const base = testBoardRecords().records.filter((r) => r.typeName === 'document' || r.typeName === 'page')
    const page0 = base.find((r) => r.typeName === 'page')!.id
    const many: TLRecord[] = []
    const indices = getIndices(2000)
    const template = testBoardRecords().records.find((r) => (r as { type?: string }).type === 'note') as TLRecord & { props: object }
    for (let i = 0; i < 2000; i++) {
      many.push(
        store.schema.types.shape.create({
          ...template,
          id: createShapeId(`n${i}`),
          parentId: page0,
          index: indices[i],
          x: (i % 50) * 220,
          y: Math.floor(i / 50) * 220,
          props: { ...template.props, richText: toRichText(`Idea number ${i}`) },
        } as never),
      )
    }
    await seedBoard(boardId, [...base, ...many])
    const page = await e2e.openBoard(boardId, 'Ana')

    // A heartbeat in the page: the longest gap between timer ticks is how long the page froze;
    // gaps over a second add up to the time it did not answer.
    type Heartbeat = { maxGap: number; frozen: number; last: number }
    await page.evaluate(() => {
      const w = window as unknown as Heartbeat
      w.maxGap = 0
      w.frozen = 0
      w.last = performance.now()
      setInterval(() => {
        const now = performance.now()
        w.maxGap = Math.max(w.maxGap, now - w.last)
        if (now - w.last > 1000) w.frozen += now - w.last
        w.last = now
      }, 20)
    })
    const resetGap = () => page.evaluate(() => Object.assign(window, { maxGap: 0, frozen: 0 }))
    const maxGap = () => page.evaluate(() => (window as unknown as Heartbeat).maxGap)
    const frozenMs = () => page.evaluate(() => (window as unknown as Heartbeat).frozen)

    await resetGap()
    const started = Date.now()
    const json = exportAs(page, 'JSON snapshot')
    await page.locator('.bf-status progress').waitFor()
    const file = JSON.parse(fs.readFileSync(await (await json).path(), 'utf8'))
    const jsonMs = Date.now() - started
    const jsonGap = await maxGap()
    expect(file.records.filter((r: { type?: string }) => r.type === 'note')).toHaveLength(2000)
    await page.keyboard.press('Escape')

    await resetGap()
    const pngStarted = Date.now()
    const png = exportAs(page, 'PNG image', { scale: '1' })
    await expect.poll(() => page.locator('.bf-status').textContent(), { timeout: 15_000 }).toMatch(/Drawing \d+ of 2000 shapes/)
    await e2e.shot(page, 'export-large-progress')
    const image = PNG.sync.read(fs.readFileSync(await (await png).path()))
    const pngMs = Date.now() - pngStarted
    const pngGap = await maxGap()
    const pngFrozen = await frozenMs()
    console.log(
      `2,000 stickies: JSON ${jsonMs} ms (longest freeze ${jsonGap.toFixed(0)} ms); PNG ${image.width}x${image.height} ${pngMs} ms (longest freeze ${pngGap.toFixed(0)} ms, ${pngFrozen.toFixed(0)} ms in freezes over 1 s)`,
    )
    expect(image.width).toBeGreaterThan(10_000)
    // Every pass was drawn: the middle of the last note (bottom right) is a note's colour, not the background.
    const at = (x: number, y: number) => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3)]
    const [background, lastNote] = [at(5, 5), at(32 + 49 * 220 + 100, 32 + 39 * 220 + 100)]
    expect(lastNote).not.toEqual(background)
    expect(lastNote[2]).toBeLessThan(lastNote[0] - 40) // yellow: much less blue than red
    expect(jsonGap).toBeLessThan(500)
    // Drawn in passes sized to hold the page about half a second each (longest freeze 0.4-0.5 s
    // here, 0.52 s with both cores busy elsewhere), the page answers throughout; a pause of a
    // second or more (garbage collection, a slow or busy machine: one of 5.4 s on a CI machine
    // twice as slow as this one) is rare. In one call, tldraw froze this page for 15-18 s here:
    // most of the export.
    expect(pngFrozen / pngMs).toBeLessThan(0.1)
    expect(pngGap).toBeLessThan(10_000)
  }, 240_000)
})

describe('import', () => {
  it('opens a .tldr made by tldraw’s own serializer through the file picker, into a new board and beside the current one', async () => {
    const file = await writeWorkshopTldr()

    const page = await e2e.openBoard(newBoardId(), 'Ana')
    const before = page.url()
    await boardMenu(page, 'Import…')
    await page
      .getByRole('dialog', { name: 'Import' })
      .getByLabel(/Choose a .tldr file/)
      .setInputFiles(file)
    await expect.poll(() => page.url()).not.toBe(before)
    await page.locator('.tl-canvas').waitFor()
    await expect.poll(() => notes(page).count()).toBe(6)
    await page.locator('.tl-shape', { hasText: 'Deploys take hours' }).waitFor()
    const imported = page.url().split('/b/')[1]
    // The new board is on the server: others can open it.
    await eventually(async () => {
      const res = await fetch(`${e2e.server.url}/api/boards/${imported}/export`)
      expect((await res.json()).records.filter((r: { type?: string }) => r.type === 'note')).toHaveLength(6)
    })
    await e2e.shot(page, 'import-new-board')

    // A bad file: a clear message, the board untouched.
    const bad = artifactPath('not-a-board.tldr')
    fs.writeFileSync(bad, 'this is not json')
    await boardMenu(page, 'Import…')
    const dialog = page.getByRole('dialog', { name: 'Import' })
    await dialog.getByLabel('Into this board, beside what is here').check()
    await dialog.getByLabel(/Choose a .tldr file/).setInputFiles(bad)
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('not JSON')
    await e2e.shot(page, 'import-bad-file')
    expect(await notes(page).count()).toBe(6)

    // The same file merged into this board: new ids, placed beside, nothing overlapping.
    await dialog.getByLabel(/Choose a .tldr file/).setInputFiles(file)
    await expect.poll(() => notes(page).count()).toBe(12)
    const ids = await page.evaluate(() =>
      [...document.querySelectorAll('.tl-shape[data-shape-type="note"]')].map((e) => e.getAttribute('data-shape-id')),
    )
    expect(new Set(ids).size).toBe(12)
    const boxes = await page.evaluate(async (id) => {
      const res = await fetch(`/api/boards/${id}/export`)
      return (await res.json()).records.filter(
        (r: { type?: string; parentId: string }) => r.type === 'frame' && r.parentId.startsWith('page:'),
      )
    }, imported)
    expect(boxes).toHaveLength(4)
    type Frame = { x: number; y: number; props: { w: number; h: number } }
    const overlap = (a: Frame, b: Frame) => a.x < b.x + b.props.w && b.x < a.x + a.props.w && a.y < b.y + b.props.h && b.y < a.y + a.props.h
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false)
    // What was added is shown whole, clear of the panels and the toolbar.
    const toolbarTop = (await page.locator('.tlui-main-toolbar').boundingBox())!.y
    const rail = (await page.locator('.dock-rail').boundingBox())!
    const dockRight = rail.x + rail.width
    const shown = await notes(page).evaluateAll(
      (els, [left, bottom]) =>
        els.filter((e) => {
          const r = e.getBoundingClientRect()
          return r.left >= left && r.right <= innerWidth && r.top >= 0 && r.bottom <= bottom
        }).length,
      [dockRight, toolbarTop],
    )
    expect(shown).toBeGreaterThanOrEqual(6)
    await e2e.shot(page, 'import-merged')
  })

  it('keeps every arrow bound to its notes when importing beside what is here, from current and tldraw 2.1 files', async () => {
    type Rec = {
      id: string
      typeName: string
      type?: string
      parentId: string
      fromId?: string
      toId?: string
      props: Record<string, unknown>
    }
    const boardId = newBoardId()
    await seedBoard(boardId, testBoardRecords().records)
    const page = await e2e.openBoard(boardId, 'Ana')
    await expect.poll(() => notes(page).count()).toBe(6)
    const records = async () =>
      ((await (await fetch(`${e2e.server.url}/api/boards/${boardId}/export`)).json()) as { records: Rec[] }).records
    const importBeside = async (file: string) => {
      const here = new Set((await records()).filter((r) => r.typeName === 'shape').map((r) => r.id))
      await boardMenu(page, 'Import…')
      const dialog = page.getByRole('dialog', { name: 'Import' })
      await dialog.getByLabel('Into this board, beside what is here').check()
      await dialog.getByLabel(/Choose a .tldr file/).setInputFiles(file)
      await dialog.waitFor({ state: 'hidden' })
      // Put beside what is here, not into it: nothing imported went into a frame already here
      // (the import reaches the server as one change).
      const added = async () => (await records()).filter((r) => r.typeName === 'shape' && !here.has(r.id))
      await expect.poll(async () => (await added()).length).toBeGreaterThan(0)
      expect((await added()).filter((r) => here.has(r.parentId))).toEqual([])
    }
    /** Each arrow's bindings as [terminal, the type of shape it is bound to]. */
    const arrowEnds = async () => {
      const all = await records()
      const byId = new Map(all.map((r) => [r.id, r]))
      return all
        .filter((r) => r.typeName === 'shape' && r.type === 'arrow')
        .map((arrow) =>
          all
            .filter((b) => b.typeName === 'binding' && b.fromId === arrow.id)
            .map((b) => [b.props.terminal, byId.get(b.toId!)?.type])
            .sort(),
        )
    }
    const bothEnds = [
      ['end', 'note'],
      ['start', 'note'],
    ]

    await importBeside(await writeWorkshopTldr())
    await expect.poll(() => notes(page).count()).toBe(12)
    await expect.poll(arrowEnds).toEqual([bothEnds, bothEnds])
    // Every binding joins the imported arrow to imported notes, never to the ones already here.
    const all = await records()
    const bindings = all.filter((r) => r.typeName === 'binding')
    expect(new Set(bindings.map((b) => b.toId)).size).toBe(4)
    expect(new Set(bindings.map((b) => b.fromId)).size).toBe(2)

    const old = path.resolve(import.meta.dirname, '../fixtures/arrow-tldraw-2.1.tldr')
    await importBeside(old)
    await expect.poll(() => notes(page).count()).toBe(14)
    await expect.poll(arrowEnds).toEqual([bothEnds, bothEnds, bothEnds])
    // The same two notes and arrow, on the page rather than in frames, in today's format.
    const schema = newTestStore().schema
    const current = artifactPath('arrow-current.tldr')
    const migrated = migrateImport(schema, parseBoardFile(fs.readFileSync(old, 'utf8')))
    fs.writeFileSync(current, JSON.stringify({ tldrawFileFormatVersion: 1, schema: schema.serialize(), records: migrated }))
    await importBeside(current)
    await expect.poll(() => notes(page).count()).toBe(16)
    await expect.poll(arrowEnds).toEqual([bothEnds, bothEnds, bothEnds, bothEnds])
    await e2e.shot(page, 'import-beside-arrows')
  })

  it('opens a file from the landing page', async () => {
    const page = await e2e.newPage()
    await page.goto(e2e.server.url)
    // A file from a newer tldraw: a clear message, no board is made.
    const workshop = await writeWorkshopTldr()
    const newer = JSON.parse(fs.readFileSync(workshop, 'utf8'))
    newer.schema.sequences['com.tldraw.shape.note'] += 1
    fs.writeFileSync(artifactPath('newer.tldr'), JSON.stringify(newer))
    await page.getByLabel('Open a file…').setInputFiles(artifactPath('newer.tldr'))
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('newer version')
    await e2e.shot(page, 'landing-open-error')
    expect(new URL(page.url()).pathname).toBe('/')

    await page.getByLabel('Open a file…').setInputFiles(workshop)
    const nameField = page.getByLabel('Your name')
    await nameField.fill('Ben')
    await page.getByRole('button', { name: 'Join board' }).click()
    await expect.poll(() => notes(page).count()).toBe(6)
  })
})

describe('snapshots in the browser', () => {
  it('saves a named snapshot, previews it read-only and restores it for everyone', async () => {
    const boardId = newBoardId()
    await seedBoard(boardId, testBoardRecords().records)
    const ana = await e2e.openBoard(boardId, 'Ana')
    const ben = await e2e.openBoard(boardId, 'Ben')
    await expect.poll(() => notes(ben).count()).toBe(6)

    await boardMenu(ana, 'Snapshots…')
    const dialog = ana.getByRole('dialog', { name: 'Snapshots' })
    await dialog.getByLabel('Snapshot name').fill('after clustering')
    await dialog.getByRole('button', { name: 'Save snapshot' }).click()
    await expect.poll(() => dialog.getByRole('list', { name: 'Snapshots' }).textContent()).toContain('after clustering')
    await expect.poll(() => dialog.getByRole('list', { name: 'Snapshots' }).textContent()).toContain('Ana')
    await ana.keyboard.press('Escape')

    // Ben deletes a note.
    await ben.locator('.tl-shape', { hasText: 'Key person leaves' }).click()
    await ben.keyboard.press('Delete')
    await expect.poll(() => notes(ana).count()).toBe(5)

    await boardMenu(ana, 'Snapshots…')
    const row = dialog.getByRole('listitem').filter({ has: ana.getByText('after clustering', { exact: true }) })
    await row.getByRole('button', { name: 'Preview' }).click()
    await dialog.getByRole('region', { name: 'Preview of after clustering' }).locator('img, svg').first().waitFor({ timeout: 15_000 })
    await e2e.shot(ana, 'snapshot-preview')
    await row.getByRole('button', { name: 'Restore' }).click()
    await e2e.shot(ana, 'snapshot-confirm')
    await dialog.getByRole('button', { name: 'Restore for everyone' }).click()
    await expect.poll(() => dialog.getByRole('status').textContent()).toContain('Restored')
    // Ben sees the note come back without doing anything.
    await expect.poll(() => notes(ben).count()).toBe(6)
    await expect.poll(() => dialog.getByRole('list', { name: 'Snapshots' }).textContent()).toContain('Before restoring')
    await e2e.shot(ana, 'snapshot-restored')

    // Someone with the view-only link sees the snapshots and previews them, but cannot change anything.
    const viewer = await e2e.join(await e2e.viewPath(boardId), 'Val')
    await expect.poll(() => notes(viewer).count()).toBe(6)
    await viewer.getByTestId('main-menu.button').click()
    await viewer.getByRole('menuitem', { name: 'Export…' }).waitFor()
    expect(await viewer.getByRole('menuitem', { name: 'Import…' }).count()).toBe(0)
    await viewer.getByRole('menuitem', { name: 'Snapshots…' }).click()
    const viewerPanel = viewer.getByRole('dialog', { name: 'Snapshots' })
    await expect.poll(() => viewerPanel.getByRole('list', { name: 'Snapshots' }).textContent()).toContain('after clustering')
    expect(await viewerPanel.getByRole('button', { name: /Restore|Fork|Save snapshot/ }).count()).toBe(0)
    await viewerPanel.getByRole('button', { name: 'Preview' }).first().click()
    await viewerPanel.getByRole('region').locator('img, svg').first().waitFor({ timeout: 15_000 })
    await e2e.shot(viewer, 'snapshot-view-only')

    // Fork: a new board starting from the snapshot; this one stays as it is.
    const before = ana.url()
    await row.getByRole('button', { name: 'Fork' }).click()
    await expect.poll(() => ana.url()).not.toBe(before)
    await ana.locator('.tl-canvas').waitFor()
    await expect.poll(() => notes(ana).count()).toBe(6)
    expect(await notes(ben).count()).toBe(6)
  })
})

describe('the server’s limits', () => {
  it('refuses an import too big for the server up front, and says so when a change is too big to send instead of reconnecting in a loop', async () => {
    const small = await startServerProcess({ env: { MAX_FRAME_BYTES: '65536' } })
    try {
      // 300 notes with long texts: far under the 50 MB file limit, over what this server takes at once.
      const { store, records } = testBoardRecords()
      const note = records.find((r) => (r as { type?: string }).type === 'note') as TLRecord & { props: object }
      const indices = getIndices(300)
      store.put(
        indices.map((index, i) =>
          store.schema.types.shape.create({
            ...note,
            id: createShapeId(`big${i}`),
            index,
            x: i * 10,
            props: { ...note.props, richText: toRichText(`Idea ${i} `.repeat(40)) },
          } as never),
        ) as TLRecord[],
      )
      const file = artifactPath('too-big-for-the-server.tldr')
      fs.writeFileSync(file, await serializeTldrawJson({ store } as unknown as Editor))

      const page = await e2e.newPage({ clipboard: small.url })
      await page.goto(small.url)
      await page.getByLabel('Open a file…').setInputFiles(file)
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('too big for this server')
      expect(await page.getByRole('alert').textContent()).toContain('the limit is 64 KB')
      expect(new URL(page.url()).pathname).toBe('/')
      await e2e.shot(page, 'import-too-big-for-server')

      // A change too big to send: pasting a long text.
      await joinBoard(page, `${small.url}/b/${newBoardId()}`, 'Ana')
      const text = 'far too long '.repeat(8000)
      await page.evaluate(async (t) => {
        await navigator.clipboard.writeText(t)
        const data = new DataTransfer()
        data.setData('text/plain', t)
        document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
      }, text)
      const notice = page.locator('.connection-notice')
      await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toContain('too big for the server')
      await e2e.shot(page, 'change-too-big-notice')
      // No reconnect loop: no new connections while the notice shows.
      const opened = () => small.output().split('connection opened').length
      const before = opened()
      await new Promise((r) => setTimeout(r, 3000))
      expect(opened()).toBe(before)
      // Undo, reconnect: the board syncs again and the notice goes.
      await page.keyboard.press('Escape')
      await page.keyboard.press('Control+z')
      await expect.poll(() => page.locator('.tl-shape[data-shape-type="text"]').count()).toBe(0)
      await notice.getByRole('button', { name: 'Reconnect' }).click()
      await expect.poll(() => connectionState(page)).toBe('connected')
      await expect.poll(() => notice.count()).toBe(0)
    } finally {
      await small.stop()
    }
  })
})

describe('about this board', () => {
  it('shows the tag the server’s logs name the board by, with a copy button; a view-only link has no such item', async () => {
    const boardId = newBoardId()
    await seedBoard(boardId, testBoardRecords().records)
    const page = await e2e.openBoard(boardId, 'Ana')
    await boardMenu(page, 'About this board…')
    const dialog = page.getByRole('dialog', { name: 'About this board' })
    const tag = await dialog.getByLabel('Board tag', { exact: true }).inputValue()
    // The operator's way to compute it, and what the server actually logged about this board.
    expect(tag).toBe(crypto.createHash('sha256').update(boardId).digest('hex').slice(0, 12))
    expect(e2e.server.output()).toContain(`"board":"${tag}"`)
    await dialog.getByRole('button', { name: 'Copy board tag' }).click()
    await expect.poll(() => dialog.getByRole('button', { name: 'Copy board tag' }).textContent()).toBe('Copied')
    await e2e.shot(page, 'about-board')

    const viewer = await e2e.join(await e2e.viewPath(boardId), 'Val')
    await viewer.getByTestId('main-menu.button').click()
    await viewer.getByRole('menuitem', { name: 'Export…' }).waitFor()
    expect(await viewer.getByRole('menuitem', { name: 'About this board…' }).count()).toBe(0)
  })
})
