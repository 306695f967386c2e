import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boardRecords, newBoardId, THEME_META, type JsonRecord } from '@roundtable/shared'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'

let server: ServerProcess
const clients: YClient[] = []

beforeAll(async () => {
  server = await startServerProcess()
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  await server?.stop()
})

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`)
  return { status: res.status, json: await res.json() }
}

const page = 'page:p'
const shape = (id: string, type: string, parentId: string, index: string, props: object, meta: object = {}): JsonRecord => ({
  id,
  typeName: 'shape',
  type,
  parentId,
  index,
  x: 0,
  y: 0,
  rotation: 0,
  isLocked: false,
  opacity: 1,
  meta,
  props,
})
const note = (id: string, index: string, text: string, parentId = page) => shape(id, 'note', parentId, index, { text })

/** A board written by a stock Yjs client: loose notes in pairs by meaning, and a theme already made. */
async function board(): Promise<string> {
  const id = newBoardId()
  const c = connectClient(server.wsUrl, id)
  clients.push(c)
  await whenSynced(c)
  const records = [
    { id: page, typeName: 'page', name: 'Page', index: 'a1', meta: {} },
    note('shape:fruit', 'a1', 'Fresh fruit in the kitchen'),
    note('shape:hire', 'a2', 'Hire two senior engineers'),
    note('shape:snacks', 'a3', 'Healthier snacks'),
    note('shape:recruit', 'a4', 'Recruit a data scientist'),
    shape('shape:theme', 'frame', page, 'a0', { name: 'Food', w: 400, h: 300 }, { [THEME_META]: true }),
    note('shape:lunch', 'a1', 'Vegetarian options at the canteen', 'shape:theme'),
  ]
  c.doc.transact(() => records.forEach((r) => boardRecords(c.doc).set(r.id as string, r as JsonRecord)))
  await eventually(async () => expect((await get(`/api/boards/${id}/export`)).json.records).toHaveLength(records.length))
  return id
}

describe('GET /api/boards/:id/clusters', () => {
  it('answers the loose notes grouped by meaning, named from their words, for the edit and the view-only link alike', async () => {
    const id = await board()
    const answer = await get(`/api/boards/${id}/clusters`)
    expect(answer.status).toBe(200)
    expect(answer.json).toMatchObject({ method: 'meaning', similarity: 0.2 })
    expect(answer.json.suggestions.map((s: { ids: string[] }) => s.ids)).toEqual([
      ['shape:fruit', 'shape:snacks'],
      ['shape:hire', 'shape:recruit'],
    ])
    for (const s of answer.json.suggestions) {
      expect(s.parentId).toBe(page)
      expect(s.label).toMatch(/^[A-Z]\w+/)
    }
    const { token } = (await get(`/api/boards/${id}/view-link`)).json
    expect(await get(`/api/boards/${token}/clusters`)).toEqual(answer)
    // Stricter than any pair here: nothing left to suggest.
    expect((await get(`/api/boards/${id}/clusters?similarity=0.95`)).json.suggestions).toEqual([])
  })

  it('answers 404 for a board that does not exist and 400 for a similarity out of range', async () => {
    expect(await get(`/api/boards/${newBoardId()}/clusters`)).toMatchObject({
      status: 404,
      json: { error: expect.stringMatching(/no board/) },
    })
    const id = await board()
    for (const bad of ['2', '-0.1', 'high', ''])
      expect(await get(`/api/boards/${id}/clusters?similarity=${bad}`)).toEqual({
        status: 400,
        json: { error: 'similarity must be a number from 0 to 1' },
      })
  })
})
