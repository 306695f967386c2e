import { describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import { connectionState, noteWithText, notes, openPanel, writeSticky } from '../support/e2e.ts'
import { useE2eSession } from '../support/e2eSession.ts'

// Everyone here may use the clipboard (the share dialog copies links).
const e2e = useE2eSession({ clipboard: true })

describe('sharing a board', () => {
  it('offers an edit link and a view-only link; the viewer sees the board live but cannot change it', async () => {
    const boardId = newBoardId()
    const alice = await e2e.openBoard(boardId, 'Alice')
    await writeSticky(alice, { x: 500, y: 350 }, 'Agenda')
    await noteWithText(alice, 'Agenda').waitFor()

    await alice.getByRole('button', { name: 'Share' }).click()
    const dialog = alice.getByRole('dialog', { name: 'Share this board' })
    const editLink = await dialog.getByRole('textbox', { name: 'Edit link' }).inputValue()
    expect(editLink).toBe(`${e2e.server.url}/b/${boardId}`)
    const viewInput = dialog.getByRole('textbox', { name: 'View-only link' })
    await viewInput.waitFor()
    const viewLink = await viewInput.inputValue()
    expect(viewLink).toMatch(new RegExp(`^${e2e.server.url}/v/[A-Za-z0-9_-]{24}$`))
    expect(viewLink).not.toContain(boardId)
    await dialog.getByRole('button', { name: 'Copy view-only link' }).click()
    await expect.poll(() => dialog.getByRole('button', { name: 'Copy view-only link' }).textContent()).toBe('Copied')
    expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(viewLink)
    await e2e.shot(alice, 'share-dialog')
    await dialog.getByRole('button', { name: 'Done' }).click()
    await dialog.waitFor({ state: 'detached' })

    const viewer = await e2e.join(new URL(viewLink).pathname, 'Victor')
    await noteWithText(viewer, 'Agenda').waitFor({ timeout: 10_000 })
    await viewer.getByText('View only', { exact: true }).waitFor()
    await viewer.getByText(/viewing this board with a view-only link/).waitFor()
    // The viewer's share dialog offers only the view-only link.
    await viewer.getByRole('button', { name: 'Share' }).click()
    const viewerDialog = viewer.getByRole('dialog', { name: 'Share this board' })
    expect(await viewerDialog.getByRole('textbox', { name: 'View-only link' }).inputValue()).toBe(viewLink)
    expect(await viewerDialog.getByRole('textbox', { name: 'Edit link' }).count()).toBe(0)
    await viewerDialog.getByRole('button', { name: 'Done' }).click()

    // Live: Alice's next sticky shows up for the viewer.
    await writeSticky(alice, { x: 800, y: 350 }, 'Live for viewers')
    await noteWithText(viewer, 'Live for viewers').waitFor({ timeout: 5000 })
    // Alice sees the viewer's cursor (presence works for viewers).
    await viewer.mouse.move(600, 500)
    await viewer.mouse.move(620, 520)
    await alice.locator('.tl-nametag', { hasText: 'Victor' }).waitFor({ timeout: 5000 })

    // The viewer tries to add a sticky and to delete one: nothing changes anywhere.
    await viewer.mouse.move(400, 600)
    await viewer.keyboard.press('n')
    await viewer.mouse.click(400, 600)
    await viewer.keyboard.type('should not exist')
    await noteWithText(viewer, 'Agenda').click()
    await viewer.keyboard.press('Delete')
    await new Promise((r) => setTimeout(r, 800))
    expect(await notes(viewer).count()).toBe(2)
    expect(await notes(alice).count()).toBe(2)
    // Facilitation stays visible to a viewer, but its controls are off and sense-making tools absent.
    await openPanel(viewer, 'people')
    expect(await viewer.getByRole('button', { name: 'Step forward' }).isDisabled()).toBe(true)
    expect(await viewer.getByRole('toolbar', { name: 'Sense-making' }).count()).toBe(0)
    expect(await alice.getByRole('toolbar', { name: 'Sense-making' }).count()).toBe(1)
    await e2e.shot(viewer, 'view-only')
    // It never even tried: the server did not have to refuse anything.
    expect(await connectionState(viewer)).toBe('connected')
    expect(e2e.server.output()).not.toMatch(/"limit":"view_only"/)
  })
})
