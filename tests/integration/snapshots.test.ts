import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  batonHolder,
  boardMeta,
  boardRecords,
  brainstormMap,
  facilitationMap,
  newBoardId,
  parseBoardFile,
  readLog,
  replaceBoardContent,
  requestClient,
  startPhase,
  stepForward,
  votesMap,
  type JsonRecord,
} from '@roundtable/shared'
import { newTestStore, testBoardDoc, testBoardRecords } from '../../shared/src/export/testBoard.ts'
import { migrateImport } from '../../client/src/export/importBoard.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, syncedClient, whenSynced, type YClient } from '../support/yclient.ts'
import { countRows, readDb } from './helpers.ts'

let server: ServerProcess
const clients: YClient[] = []

const client = (boardId: string) => syncedClient(server.wsUrl, boardId, clients)

async function api(method: string, path: string, body?: unknown, raw?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  })
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  return { status: res.status, type, text, json: type.startsWith('application/json') ? JSON.parse(text) : undefined }
}

/** Like `eventually`, for checks that await (an HTTP request). */
async function eventuallyAsync(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** A POST whose body is sent in chunks without a content-length (transfer-encoding: chunked). */
function chunkedPost(path: string, chunks: string[]): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }))
    })
    req.on('error', reject)
    for (const c of chunks) req.write(c)
    req.end()
  })
}

const ids = (doc: Y.Doc) => [...boardRecords(doc).map.keys()].sort()

/**
 * A board on the server holding the fixed test board, written by a stock Yjs client: all of it
 * but its open vote, since only the server writes a vote that is running.
 */
async function seededBoard(): Promise<{ id: string; ann: YClient }> {
  const id = newBoardId()
  const ann = await client(id)
  const board = testBoardDoc()
  votesMap(board).delete('vote-2')
  Y.applyUpdate(ann.doc, Y.encodeStateAsUpdate(board))
  await eventuallyAsync(async () => expect((await api('GET', `/api/boards/${id}/export`)).status).toBe(200))
  return { id, ann }
}

beforeAll(async () => {
  server = await startServerProcess({ env: { AUTO_SNAPSHOT_MS: '1500', ROOM_IDLE_MS: '300' } })
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  await server?.stop()
})

describe('board export over HTTP', () => {
  it('exports the current board as JSON, Markdown and .tldr', async () => {
    const { id, ann } = await seededBoard()
    await eventuallyAsync(async () => {
      const json = (await api('GET', `/api/boards/${id}/export?format=json`)).json
      expect(json.records.map((r: JsonRecord) => r.id).sort()).toEqual(ids(ann.doc))
    })
    const json = (await api('GET', `/api/boards/${id}/export`)).json
    expect(json).toMatchObject({ format: 'roundtable-board', version: 1, meta: { title: 'Q2 planning' } })
    expect(json.arrays.sessionLog).toHaveLength(5)
    expect(Object.keys(json.maps.agenda)).toHaveLength(3)

    const md = await api('GET', `/api/boards/${id}/export?format=md`)
    expect(md.type).toMatch(/text\/markdown/)
    expect(md.text).toMatch(/^# Q2 planning\n/)
    expect(md.text).toContain('### Vision › Deployment')
    expect(md.text).toContain('- 09:05–09:12: Ana led')
    // Dated by the session (March 2025), not by today; the timeline ends where its log does.
    expect(md.text).toContain('Session report, 14 March 2025 (times in UTC).')
    expect(md.text).toMatch(/- 09:12–09:30: Ben led\n$/)

    const tldr = await api('GET', `/api/boards/${id}/export?format=tldr`)
    const file = JSON.parse(tldr.text)
    expect(file.tldrawFileFormatVersion).toBe(1)
    expect(file.schema).toEqual(boardMeta(ann.doc).get('schema'))
    expect(file.records).toHaveLength(15)
  })

  it('exports a board no canvas has written with tldraw’s schema, so the file imports again', async () => {
    // A script wrote records and a title, but no schema (only the canvas records one).
    const id = newBoardId()
    const script = await client(id)
    replaceBoardContent(script.doc, { records: testBoardRecords().records as unknown as JsonRecord[] }, { title: 'Scripted' })
    await eventuallyAsync(async () => expect((await api('GET', `/api/boards/${id}/export`)).json?.meta.title).toBe('Scripted'))
    const json = await api('GET', `/api/boards/${id}/export?format=json`)
    const tldr = JSON.parse((await api('GET', `/api/boards/${id}/export?format=tldr`)).text)
    expect(json.json.meta.schema).toEqual(tldr.schema)
    const parsed = parseBoardFile(json.text)
    expect(parsed).toMatchObject({ kind: 'roundtable', title: 'Scripted' })
    expect(migrateImport(newTestStore().schema, parsed)).toHaveLength(15)
  })

  it('answers bad requests with 4xx JSON errors and never creates a board', async () => {
    const { id } = await seededBoard()
    const unknown = newBoardId()
    // What is stored: every board id, and the snapshots people keep of this one (automatic ones come and go).
    const stored = () =>
      readDb(server.dataDir, (db) => ({
        boards: db.prepare('SELECT board_id FROM board_state UNION SELECT board_id FROM board_updates ORDER BY 1').pluck().all(),
        kept: db.prepare(`SELECT id FROM board_snapshots WHERE board_id = ? AND kind != 'auto' ORDER BY 1`).pluck().all(id),
        unknown: countRows(db, 'board_state', unknown) + countRows(db, 'board_updates', unknown),
      }))
    const before = stored()
    expect(before.boards).toContain(id)
    expect(before.unknown).toBe(0)
    for (const [method, path, status] of [
      ['GET', `/api/boards/${unknown}/export`, 404],
      ['GET', `/api/boards/not-a-board/export`, 404],
      ['GET', `/api/boards/${unknown}/snapshots`, 404],
      ['GET', `/api/boards/${id}/export?format=pdf`, 400],
      ['GET', `/api/boards/${id}/snapshots/nope`, 404],
      ['POST', `/api/boards/${id}/snapshots/nope/restore`, 404],
      ['POST', `/api/boards/${unknown}/fork`, 404],
      ['DELETE', `/api/boards/${id}/snapshots`, 405],
    ] as const) {
      const res = await api(method, path)
      expect(res.status, `${method} ${path}`).toBe(status)
      expect(res.json.error, `${method} ${path}`).toEqual(expect.any(String))
    }
    expect((await api('POST', `/api/boards/${id}/snapshots`, {})).status).toBe(400)
    expect((await api('POST', `/api/boards/${id}/snapshots`, { name: 42 })).status).toBe(400)
    expect((await api('POST', `/api/boards/${id}/snapshots`, undefined, '{not json')).status).toBe(400)
    expect((await api('POST', `/api/boards/${id}/snapshots`, undefined, '[1]')).status).toBe(400)
    expect((await api('POST', `/api/boards/${id}/snapshots`, { name: 'x'.repeat(500) })).status).toBe(400)
    expect((await api('POST', `/api/boards/${id}/fork`, { snapshotId: 'missing' })).status).toBe(404)
    expect((await api('POST', `/api/boards/${unknown}/snapshots`, { name: 'x' })).status).toBe(404)
    // Asking about a board does not create it, and nothing was written.
    expect((await api('GET', `/api/boards/${unknown}/export`)).status).toBe(404)
    expect((await api('GET', `/api/boards/${unknown}/snapshots`)).status).toBe(404)
    expect(stored()).toEqual(before)
  })

  it('names downloads safely whatever the title or snapshot is called, and refuses control characters in names', async () => {
    const { id } = await seededBoard()
    const evil = await api('POST', `/api/boards/${id}/snapshots`, { name: 'x"; filename="evil.html', by: 'Ana' })
    expect(evil.status).toBe(201)
    const res = await fetch(`${server.url}/api/boards/${id}/snapshots/${evil.json.snapshot.id}?format=md`)
    expect(res.headers.get('content-disposition')).toBe(
      `inline; filename="Q2-planning-x-filenameevilhtml.md"; filename*=UTF-8''Q2-planning-x-filenameevilhtml.md`,
    )
    for (const body of [{ name: 'two\nlines' }, { name: 'bell\u0007' }, { name: 'ok', by: 'Ana\r\nX-Evil: 1' }, { name: 'sep\u2028' }]) {
      const refused = await api('POST', `/api/boards/${id}/snapshots`, body)
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.json.error).toMatch(/control characters/)
    }
  })

  it('answers a body over 16 KB with a 413 JSON error, declared or streamed', async () => {
    const { id } = await seededBoard()
    const big = JSON.stringify({ name: 'x'.repeat(100_000) })
    const declared = await api('POST', `/api/boards/${id}/snapshots`, undefined, big)
    expect(declared.status).toBe(413)
    expect(declared.json.error).toMatch(/over 16384 bytes/)
    const streamed = await chunkedPost(
      `/api/boards/${id}/snapshots`,
      Array.from({ length: 40 }, () => 'x'.repeat(4096)),
    )
    expect(streamed.status).toBe(413)
    expect(streamed.headers.connection).toBe('close')
    expect(JSON.parse(streamed.text).error).toMatch(/over 16384 bytes/)
    expect((await api('GET', `/api/boards/${id}/snapshots`)).json.snapshots.filter((s: { kind: string }) => s.kind === 'named')).toEqual([])
  })
})

describe('snapshots over HTTP', () => {
  it('take, list, restore (visible live to a connected client) and fork', async () => {
    const { id, ann } = await seededBoard()
    const ben = await client(id)
    await eventually(() => expect(ids(ben.doc)).toEqual(ids(ann.doc)))
    const original = ids(ann.doc)

    const taken = await api('POST', `/api/boards/${id}/snapshots`, { name: 'after clustering', by: 'Ana' })
    expect(taken.status).toBe(201)
    const sid = taken.json.snapshot.id
    expect(taken.json.snapshot).toMatchObject({ name: 'after clustering', createdBy: 'Ana', kind: 'named' })

    // The group keeps working: a note is deleted and the title changes.
    ann.doc.transact(() => {
      boardRecords(ann.doc).delete('shape:r1')
      boardMeta(ann.doc).set('title', 'Renamed')
    })
    await eventually(() => expect(ids(ben.doc)).not.toContain('shape:r1'))

    const list = await api('GET', `/api/boards/${id}/snapshots`)
    expect(list.json.snapshots.map((s: { name: string }) => s.name)).toContain('after clustering')

    const preview = await api('GET', `/api/boards/${id}/snapshots/${sid}?format=md`)
    expect(preview.text).toContain('Key person leaves')
    // A snapshot's report is of the moment it was taken.
    const takenOn = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(
      taken.json.snapshot.createdAt,
    )
    expect(preview.text).toContain(`Session report, ${takenOn} (times in UTC).`)
    const previewJson = await api('GET', `/api/boards/${id}/snapshots/${sid}`)
    expect(previewJson.json.records.map((r: JsonRecord) => r.id).sort()).toEqual(original)

    const restored = await api('POST', `/api/boards/${id}/snapshots/${sid}/restore`, { by: 'Ben' })
    expect(restored.status).toBe(200)
    expect(restored.json.changed).toBe(1)
    // Ben, connected all along with a stock client, sees the note come back and the old title.
    await eventually(() => {
      expect(ids(ben.doc)).toEqual(original)
      expect(boardMeta(ben.doc).get('title')).toBe('Q2 planning')
    })
    // Nothing is lost: the state before the restore was snapshotted.
    const after = (await api('GET', `/api/boards/${id}/snapshots`)).json.snapshots
    const before = after.find((s: { name: string }) => s.name === 'Before restoring “after clustering”')
    expect(before).toMatchObject({ kind: 'before-restore', createdBy: 'Ben' })
    expect(restored.json.before).toMatchObject({ id: before.id })
    const beforeJson = (await api('GET', `/api/boards/${id}/snapshots/${before.id}`)).json
    expect(beforeJson.meta.title).toBe('Renamed')
    expect(beforeJson.records.map((r: JsonRecord) => r.id)).not.toContain('shape:r1')

    const fork = await api('POST', `/api/boards/${id}/fork`, { snapshotId: before.id })
    expect(fork.status).toBe(201)
    expect(fork.json.url).toBe(`${server.url}/b/${fork.json.id}`)
    const cem = await client(fork.json.id)
    await eventually(() => expect(ids(cem.doc)).toEqual(original.filter((r) => r !== 'shape:r1')))
    expect(boardMeta(cem.doc).get('title')).toBe('Renamed (fork)')
    // The original board is untouched by the fork.
    expect(ids(ann.doc)).toEqual(original)

    const forkNow = await api('POST', `/api/boards/${id}/fork`)
    expect((await api('GET', `/api/boards/${forkNow.json.id}/export`)).json.records).toHaveLength(original.length)
  })

  it('a fork keeps the board and its history, but not the running session: open votes, timer, phase, round, baton', async () => {
    const { id, ann } = await seededBoard()
    const cem = { id: 'p-cem', name: 'Cem' }
    // A session in full swing: Cem leads, a phase and its timer run, a round and a vote are open.
    stepForward(ann.doc, cem, Date.now())
    startPhase(ann.doc, cem, 'ph-ideas', Date.now())
    const rpc = requestClient(ann.provider)
    await rpc.request('round.start', {
      prompt: 'Ideas?',
      durationMs: null,
      anonymous: false,
      pageId: 'page:workshop',
      anchor: { x: 0, y: 0 },
    })
    const { voteId } = await rpc.request('vote.start', {
      shapeIds: ['shape:v1', 'shape:v2'],
      perPerson: 3,
      allowMultiple: true,
      showLive: true,
      durationMs: null,
    })
    rpc.dispose()
    await eventually(() => expect(brainstormMap(ann.doc).get('round')).toBeDefined())
    expect(Object.keys(votesMap(ann.doc).toJSON()).sort()).toEqual(['vote-1', voteId].sort())
    expect(batonHolder(readLog(ann.doc))?.id).toBe('p-cem')
    await eventuallyAsync(async () => expect((await api('GET', `/api/boards/${id}/export`)).json.arrays.sessionLog).toHaveLength(7))

    const fork = await api('POST', `/api/boards/${id}/fork`, {})
    expect(fork.status).toBe(201)
    const dan = await client(fork.json.id)
    await eventually(() => expect(ids(dan.doc)).toEqual(ids(ann.doc)))
    expect(boardMeta(dan.doc).get('title')).toBe('Q2 planning (fork)')
    for (const key of ['participants', 'agenda']) expect(dan.doc.getMap(key).toJSON()).toEqual(ann.doc.getMap(key).toJSON())
    expect(Object.keys(votesMap(dan.doc).toJSON())).toEqual(['vote-1'])
    expect(facilitationMap(dan.doc).size).toBe(0)
    expect(brainstormMap(dan.doc).size).toBe(0)
    // The log is history, plus one entry that frees the baton.
    const log = readLog(dan.doc)
    expect(log.slice(0, -1)).toEqual(readLog(ann.doc))
    expect(log.at(-1)).toMatchObject({ kind: 'board.fork' })
    expect(batonHolder(log)).toBeUndefined()
    // Someone can lead in the fork.
    stepForward(dan.doc, { id: 'p-dan', name: 'Dan' }, Date.now())
    expect(batonHolder(readLog(dan.doc))?.id).toBe('p-dan')
    // The original is untouched.
    expect(facilitationMap(ann.doc).get('phase')).toMatchObject({ id: 'ph-ideas' })
    expect(batonHolder(readLog(ann.doc))?.id).toBe('p-cem')

    // A fork of a fork is not "(fork) (fork)".
    const again = await api('POST', `/api/boards/${fork.json.id}/fork`)
    expect((await api('GET', `/api/boards/${again.json.id}/export`)).json.meta.title).toBe('Q2 planning (fork)')

    const empty = await api('POST', `/api/boards/${id}/fork`, { snapshotId: '' })
    expect(empty.status).toBe(400)
    expect(empty.json.error).toMatch(/snapshotId/)
  })

  it('takes automatic snapshots during activity and when the last person leaves', async () => {
    const { id, ann } = await seededBoard()
    const names = async () => (await api('GET', `/api/boards/${id}/snapshots`)).json.snapshots.map((s: { name: string }) => s.name)
    await eventuallyAsync(async () => expect(await names()).toContain('Automatic (during the session)'), 5000)
    const during = (await names()).length
    // No activity, no new snapshots.
    await new Promise((r) => setTimeout(r, 2000))
    expect((await names()).length).toBe(during)

    ann.doc.transact(() => boardMeta(ann.doc).set('title', 'Before leaving'))
    await new Promise((r) => setTimeout(r, 200))
    ann.destroy()
    await eventuallyAsync(async () => expect(await names()).toContain('Automatic (everyone left)'), 5000)
    const left = (await api('GET', `/api/boards/${id}/snapshots`)).json.snapshots.find(
      (s: { name: string }) => s.name === 'Automatic (everyone left)',
    )
    expect((await api('GET', `/api/boards/${id}/snapshots/${left.id}`)).json.meta.title).toBe('Before leaving')
  })
})

describe('automatic snapshots and shutdown', () => {
  it('takes a pending automatic snapshot when the server stops', async () => {
    const first = await startServerProcess({ env: { AUTO_SNAPSHOT_MS: '600000' } })
    const id = newBoardId()
    const c = connectClient(first.wsUrl, id)
    try {
      await whenSynced(c)
      c.doc.transact(() => boardMeta(c.doc).set('title', 'Last words'))
      await eventuallyAsync(async () =>
        expect((await (await fetch(`${first.url}/api/boards/${id}/export`)).json()).meta?.title).toBe('Last words'),
      )
      // Stopped with the client still on the board: no "everyone left" snapshot comes first.
      expect(await first.stop()).toBe(0)
    } finally {
      c.destroy()
      await first.stop()
    }
    const second = await startServerProcess({ dataDir: first.dataDir })
    try {
      const { snapshots } = await (await fetch(`${second.url}/api/boards/${id}/snapshots`)).json()
      expect(snapshots.map((s: { name: string }) => s.name)).toEqual(['Automatic (server stopped)'])
      expect((await (await fetch(`${second.url}/api/boards/${id}/snapshots/${snapshots[0].id}`)).json()).meta.title).toBe('Last words')
    } finally {
      await second.stop()
    }
  })
})

describe('automatic snapshot retention', () => {
  it('keeps only the newest AUTO_SNAPSHOTS_KEPT automatic snapshots and every named one', async () => {
    const own = await startServerProcess({ env: { AUTO_SNAPSHOT_MS: '60000', AUTO_SNAPSHOTS_KEPT: '2', ROOM_IDLE_MS: '60000' } })
    try {
      const id = newBoardId()
      const list = async () => {
        const res = await fetch(`${own.url}/api/boards/${id}/snapshots`)
        return ((await res.json()) as { snapshots: { name: string; kind: string }[] }).snapshots
      }
      // Each visit with an edit ends in an automatic snapshot when the visitor leaves.
      for (let visit = 1; visit <= 4; visit++) {
        const c = connectClient(own.wsUrl, id)
        await whenSynced(c)
        c.doc.transact(() => boardMeta(c.doc).set('title', `visit ${visit}`))
        if (visit === 1) {
          await eventually(async () => expect((await list()).length).toBe(0))
          const named = await fetch(`${own.url}/api/boards/${id}/snapshots`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'kept' }),
          })
          expect(named.status).toBe(201)
        }
        await new Promise((r) => setTimeout(r, 100))
        c.destroy()
        await eventually(async () => expect((await list()).filter((s) => s.kind === 'auto').length).toBe(Math.min(visit, 2)))
      }
      const snapshots = await list()
      expect(snapshots.filter((s) => s.kind === 'named').map((s) => s.name)).toEqual(['kept'])
      expect(snapshots.filter((s) => s.kind === 'auto')).toHaveLength(2)

      // What a restore replaced is kept however many automatic snapshots follow.
      const post = (path: string) =>
        fetch(`${own.url}/api/boards/${id}${path}`, { method: 'POST' }).then(async (r) => ({ status: r.status, json: await r.json() }))
      const kept = snapshots.find((s) => s.name === 'kept') as unknown as { id: string }
      const restored = await post(`/snapshots/${kept.id}/restore`)
      expect(restored.status).toBe(200)
      expect(restored.json.before).toMatchObject({ kind: 'before-restore', name: 'Before restoring “kept”' })
      // Restoring what the board already shows takes no snapshot.
      const again = await post(`/snapshots/${kept.id}/restore`)
      expect(again.json).toMatchObject({ before: null, changed: 0 })
      for (let visit = 5; visit <= 7; visit++) {
        const newest = (await list()).find((s) => s.kind === 'auto')
        const c = connectClient(own.wsUrl, id)
        await whenSynced(c)
        c.doc.transact(() => boardMeta(c.doc).set('title', `visit ${visit}`))
        await new Promise((r) => setTimeout(r, 100))
        c.destroy()
        await eventually(async () => expect((await list()).find((s) => s.kind === 'auto')).not.toEqual(newest))
      }
      const after = await list()
      expect(after.filter((s) => s.kind === 'auto')).toHaveLength(2)
      expect(after.filter((s) => s.kind === 'before-restore').map((s) => s.name)).toEqual(['Before restoring “kept”'])
    } finally {
      await own.stop()
    }
  })
})

describe('snapshot limits', () => {
  it('caps the snapshots a board keeps at MAX_NAMED_SNAPSHOTS (409) and pages the list', async () => {
    const own = await startServerProcess({ env: { MAX_NAMED_SNAPSHOTS: '3', AUTO_SNAPSHOT_MS: '60000' } })
    try {
      const id = newBoardId()
      const c = connectClient(own.wsUrl, id)
      clients.push(c)
      await whenSynced(c)
      c.doc.transact(() => boardMeta(c.doc).set('title', 'capped'))
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${own.url}/api/boards/${id}${path}`, {
          method,
          body: body === undefined ? undefined : JSON.stringify(body),
        })
        return { status: res.status, json: await res.json() }
      }
      await eventuallyAsync(async () => expect((await call('GET', '/export')).status).toBe(200))
      const taken: string[] = []
      for (const name of ['one', 'two']) taken.push((await call('POST', '/snapshots', { name })).json.snapshot.id)
      // A restore's "before" snapshot counts too.
      c.doc.transact(() => boardMeta(c.doc).set('title', 'changed'))
      await eventuallyAsync(async () => expect((await call('GET', '/export')).json.meta.title).toBe('changed'))
      expect((await call('POST', `/snapshots/${taken[0]}/restore`)).json.before).toMatchObject({ kind: 'before-restore' })

      const refused = await call('POST', '/snapshots', { name: 'four' })
      expect(refused.status).toBe(409)
      expect(refused.json.error).toMatch(/keeps 3 snapshots/)
      c.doc.transact(() => boardMeta(c.doc).set('title', 'changed again'))
      await eventuallyAsync(async () => expect((await call('GET', '/export')).json.meta.title).toBe('changed again'))
      expect((await call('POST', `/snapshots/${taken[1]}/restore`)).status).toBe(409)
      expect(boardMeta(c.doc).get('title')).toBe('changed again')

      const all = (await call('GET', '/snapshots')).json
      expect(all.snapshots.map((s: { name: string }) => s.name)).toEqual(['Before restoring “one”', 'two', 'one'])
      expect(all.next).toBeUndefined()
      const first = (await call('GET', '/snapshots?limit=2')).json
      expect(first.snapshots).toEqual(all.snapshots.slice(0, 2))
      expect(first.next).toBe(all.snapshots[1].id)
      const second = (await call('GET', `/snapshots?limit=2&before=${first.next}`)).json
      expect(second).toEqual({ snapshots: all.snapshots.slice(2) })
      expect((await call('GET', '/snapshots?limit=0')).status).toBe(400)
      expect((await call('GET', '/snapshots?limit=two')).status).toBe(400)
      expect((await call('GET', '/snapshots?before=nope')).status).toBe(404)
    } finally {
      await own.stop()
    }
  })
})

describe('access to the board API', () => {
  it('a view-only token reads exports and snapshots but cannot take, restore or fork, and learns no board id', async () => {
    const { id } = await seededBoard()
    const sid = (await api('POST', `/api/boards/${id}/snapshots`, { name: 'agreed', by: 'Ana' })).json.snapshot.id
    const { token } = (await api('GET', `/api/boards/${id}/view-link`)).json
    const view = `/api/boards/${token}`

    const list = await api('GET', `${view}/snapshots`)
    expect(list.status).toBe(200)
    expect(list.json.snapshots.map((s: { name: string }) => s.name)).toContain('agreed')
    expect((await api('GET', `${view}/export?format=md`)).text).toMatch(/^# Q2 planning\n/)
    const one = await api('GET', `${view}/snapshots/${sid}?format=json`)
    expect(one.status).toBe(200)
    for (const res of [list, one, await api('GET', `${view}/export`)]) expect(res.text).not.toContain(id)

    for (const [path, body] of [
      [`${view}/snapshots`, { name: 'sneaky' }],
      [`${view}/snapshots/${sid}/restore`, {}],
      [`${view}/fork`, { snapshotId: sid }],
      [`${view}/fork`, {}],
    ] as const) {
      const res = await api('POST', path, body)
      expect(res.status, path).toBe(403)
      expect(res.json.error, path).toMatch(/view-only/)
    }
    // Nothing was written.
    expect((await api('GET', `/api/boards/${id}/snapshots`)).json.snapshots.map((s: { name: string }) => s.name)).not.toContain('sneaky')
  })

  it('with ACCESS_TOKEN set, every board API request must present it', async () => {
    const TOKEN = 'workshop-token-3c9e1b77'
    const gated = await startServerProcess({ env: { ACCESS_TOKEN: TOKEN } })
    try {
      const id = newBoardId()
      const c = connectClient(gated.wsUrl, id, new Y.Doc(), { params: { access_token: TOKEN } })
      clients.push(c)
      await whenSynced(c)
      Y.applyUpdate(c.doc, Y.encodeStateAsUpdate(testBoardDoc()))
      const auth = { authorization: `Bearer ${TOKEN}` }
      await eventuallyAsync(async () => expect((await fetch(`${gated.url}/api/boards/${id}/export`, { headers: auth })).status).toBe(200))
      for (const [method, path] of [
        ['GET', `/api/boards/${id}/export`],
        ['GET', `/api/boards/${id}/snapshots`],
        ['POST', `/api/boards/${id}/snapshots`],
        ['POST', `/api/boards/${id}/fork`],
      ] as const) {
        const res = await fetch(`${gated.url}${path}`, { method, body: method === 'POST' ? '{"name":"x"}' : undefined })
        expect(res.status, `${method} ${path}`).toBe(401)
      }
      const taken = await fetch(`${gated.url}/api/boards/${id}/snapshots`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'with token' }),
      })
      expect(taken.status).toBe(201)
    } finally {
      await gated.stop()
    }
  })
})
