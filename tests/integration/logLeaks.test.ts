/**
 * Keys never reach the logs: a run that touches a board every way there is (sync, view link, the
 * API by id and by view token, snapshots, restore, fork, refusals and errors, shutdown) at trace
 * level, then a grep of everything the server printed for every board id and view token it used.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import { makeUpdate, openRaw, syncFrame, upgradeStatus } from '../support/raw.ts'
import { eventually, syncedClient, type YClient } from '../support/yclient.ts'
import { Harness, boardTag } from './helpers.ts'

const h = new Harness()
const clients: YClient[] = []
afterAll(async () => {
  for (const c of clients) c.destroy()
  await h.dispose()
})

const tagOf = boardTag

describe('logs', () => {
  it('carry a board’s tag, never its id or view token, over a run that uses them every way', async () => {
    const server = await h.server({ env: { LOG_LEVEL: 'trace', ROOM_IDLE_MS: '0', MESSAGE_BURST: '5', MAX_MESSAGES_PER_SECOND: '1' } })
    const boardId = newBoardId()
    const keys = [boardId]
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      return { status: res.status, text, json: () => JSON.parse(text) }
    }

    const editor = await syncedClient(server.wsUrl, boardId, clients)
    editor.doc.getMap('meta').set('title', 'Leak hunt')
    // Stored once the server has it: then the board exists for the API.
    await eventually(async () => expect((await api('GET', `/api/boards/${boardId}/export`)).status).toBe(200))
    const { token } = (await api('GET', `/api/boards/${boardId}/view-link`)).json() as { token: string }
    keys.push(token)
    const viewer = await syncedClient(`${server.wsUrl}/view`, token, clients)
    viewer.doc.getMap('meta').set('title', 'refused') // a view-only write: closed with 4403, logged
    for (const key of [boardId, token]) {
      for (const format of ['json', 'md', 'tldr']) {
        const res = await api('GET', `/api/boards/${key}/export?format=${format}`)
        expect(res.status, `${format} ${key === token ? 'view' : 'edit'}: ${res.text}`).toBe(200)
      }
      expect((await api('GET', `/api/boards/${key}/snapshots/nope`)).status).toBe(404)
      expect((await api('GET', `/api/boards/${key}/export?format=exe`)).status).toBe(400)
    }
    const { snapshot: snap } = (await api('POST', `/api/boards/${boardId}/snapshots`, { name: 'before' })).json() as {
      snapshot: { id: string }
    }
    expect((await api('POST', `/api/boards/${boardId}/snapshots/${snap.id}/restore`)).status).toBe(200)
    const fork = (await api('POST', `/api/boards/${boardId}/fork`, {})).json() as { id: string }
    keys.push(fork.id)
    expect((await api('POST', `/api/boards/${token}/fork`, {})).status).toBe(403)
    expect((await api('GET', `/api/boards/${newBoardId()}/snapshots`)).status).toBe(404)

    // Refusals and errors, each logged about this board.
    expect(await upgradeStatus(`${server.wsUrl}/${boardId}`, { origin: 'https://evil.example' })).toBe(403)
    const flooder = await openRaw(`${server.wsUrl}/${boardId}`)
    for (let i = 0; i < 20; i++)
      flooder.send(
        syncFrame(
          'update',
          makeUpdate((d) => d.getText('t').insert(0, 'x')),
        ),
      )
    await flooder.closed
    const garbage = await openRaw(`${server.wsUrl}/${fork.id}`)
    garbage.send(new Uint8Array([0, 2, 200, 1, 2, 3]))
    await garbage.closed
    const text = await openRaw(`${server.wsUrl}/${boardId}`)
    text.send('hello')
    await text.closed
    editor.destroy()
    viewer.destroy()
    await server.stop('SIGTERM')

    const output = server.output()
    for (const key of keys) {
      const lines = output.split('\n').filter((line) => line.includes(key))
      expect(lines, `lines carrying a key (tag ${tagOf(key)})`).toEqual([])
    }
    // Lines about the board say so, by its tag.
    expect(output).toContain(`"board":"${tagOf(boardId)}"`)
    expect(output).toContain(`"fork":"${tagOf(fork.id)}"`)
    expect(output).toMatch(/closing connection/)
  })
})
