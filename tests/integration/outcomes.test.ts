import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addComment, newBoardId, readThreads, setResolved, votesMap } from '@roundtable/shared'
import { testBoardDoc, T0 } from '../../shared/src/export/testBoard.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { eventually, syncedClient, type YClient } from '../support/yclient.ts'
import { getJson } from './helpers.ts'

/** Decisions, actions and comment threads against the real server process and its SQLite file. */
let server: ServerProcess
const clients: YClient[] = []

const client = (boardId: string) => syncedClient(server.wsUrl, boardId, clients)

/** A board on the server holding the fixed test board (two actions, a decision, threads), written by a stock Yjs client. */
async function seededBoard(): Promise<string> {
  const id = newBoardId()
  const board = testBoardDoc()
  votesMap(board).delete('vote-2') // only the server writes a running vote
  Y.applyUpdate((await client(id)).doc, Y.encodeStateAsUpdate(board))
  await eventually(async () => expect((await getJson(`${server.url}/api/boards/${id}/actions`)).body).toMatchObject({ actions: [{}, {}] }))
  return id
}

beforeAll(async () => {
  server = await startServerProcess()
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  await server?.stop()
})

describe('GET /api/boards/:id/actions', () => {
  it('answers decisions and actions as JSON, with volunteers, due dates and who ticked them done', async () => {
    const id = await seededBoard()
    const res = await getJson(`${server.url}/api/boards/${id}/actions`)
    expect(res.contentType).toMatch(/^application\/json/)
    expect(res.body).toEqual({
      decisions: [{ shapeId: 'shape:v2', text: 'Customers *love* the new onboarding', markedAt: T0 + 37 * 60_000 }],
      actions: [
        {
          shapeId: 'shape:d1',
          text: 'Automate the pipeline',
          volunteers: ['Cem', 'Ben'],
          due: '2025-03-28',
          done: false,
          doneBy: null,
          doneAt: null,
        },
        {
          shapeId: 'shape:r1',
          text: 'Key person leaves',
          volunteers: [],
          due: null,
          done: true,
          doneBy: 'Ana',
          doneAt: '2025-03-14T09:42:00.000Z',
        },
      ],
    })
  })

  it('answers CSV to paste into a tracker, and refuses an unknown format', async () => {
    const id = await seededBoard()
    const res = await fetch(`${server.url}/api/boards/${id}/actions?format=csv`)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toContain('Q2-planning-actions.csv')
    expect((await res.text()).split('\r\n')).toEqual([
      'type,text,status,volunteers,due,done_by,done_at',
      'decision,Customers *love* the new onboarding,,,,,',
      'action,Automate the pipeline,open,Cem; Ben,2025-03-28,,',
      'action,Key person leaves,done,,,Ana,2025-03-14T09:42:00.000Z',
      '',
    ])
    const bad = await getJson(`${server.url}/api/boards/${id}/actions?format=xlsx`)
    expect(bad).toMatchObject({ status: 400, body: { error: 'format must be one of json, csv' } })
  })

  it('answers 404 for a board that does not exist', async () => {
    const res = await getJson(`${server.url}/api/boards/${newBoardId()}/actions`)
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ error: expect.stringMatching(/^no board/) })
  })

  it('reads through a view-only link, which can change nothing', async () => {
    const id = await seededBoard()
    const { token } = (await getJson(`${server.url}/api/boards/${id}/view-link`)).body as { token: string }
    const viewed = await getJson(`${server.url}/api/boards/${token}/actions`)
    expect(viewed.status).toBe(200)
    expect(viewed.body).toEqual((await getJson(`${server.url}/api/boards/${id}/actions`)).body)
    expect(JSON.stringify(viewed.body)).not.toContain(id)
    const write = await fetch(`${server.url}/api/boards/${token}/actions`, { method: 'POST', body: '{"shapeId":"shape:v1"}' })
    expect(write.status).toBe(405)
    expect((await getJson(`${server.url}/api/boards/${id}/actions`)).body).toEqual(viewed.body)
  })
})

describe('comment threads', () => {
  it('survive a restart of the server on the same SQLite file', async () => {
    const id = await seededBoard()
    const ana = clients.at(-1)!
    addComment(ana.doc, { id: 'p-ana', name: 'Ana' }, 'shape:loose', 'Said before the restart, to @Ben', T0 + 50 * 60_000)
    setResolved(ana.doc, { id: 'p-ben', name: 'Ben' }, 'shape:v1', true, T0 + 51 * 60_000)
    await eventually(async () => {
      const md = await (await fetch(`${server.url}/api/boards/${id}/export?format=md`)).text()
      expect(md).toContain('Said before the restart')
    })
    const written = readThreads(ana.doc)
    for (const c of clients.splice(0)) c.destroy()
    expect(await server.stop()).toBe(0)
    server = await startServerProcess({ dataDir: server.dataDir })

    const back = await client(id)
    expect(readThreads(back.doc)).toEqual(written)
    expect(readThreads(back.doc).get('shape:loose')!.comments[0]).toMatchObject({ byName: 'Ana', text: 'Said before the restart, to @Ben' })
    expect(readThreads(back.doc).get('shape:v1')!.status).toMatchObject({ resolved: true, byName: 'Ben' })
  })
})
