import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import { CloseCode, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, newBoardId } from '@roundtable/shared'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { makeUpdate, openRaw, syncFrame, upgradeStatus } from '../support/raw.ts'

let server: ServerProcess
const clients: YClient[] = []

function client(url: string, room: string, opts?: { params?: Record<string, string> }) {
  const c = connectClient(url, room, undefined, opts)
  clients.push(c)
  return c
}

async function viewLink(boardId: string): Promise<{ token: string; path: string }> {
  const res = await fetch(`${server.url}/api/boards/${boardId}/view-link`)
  expect(res.status).toBe(200)
  return res.json()
}

/** The board as a newcomer with edit access sees it. */
async function boardAsSeenFresh(boardId: string): Promise<unknown> {
  const c = client(server.wsUrl, boardId)
  await whenSynced(c)
  const json = { text: c.doc.getText('t').toString(), keys: [...c.doc.share.keys()].sort() }
  c.destroy()
  return json
}

beforeAll(async () => {
  server = await startServerProcess()
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  await server?.stop()
})

describe('view-only links', () => {
  it('hand out a stable token that does not reveal the board id', async () => {
    const boardId = newBoardId()
    const first = await viewLink(boardId)
    const again = await viewLink(boardId)
    expect(again).toEqual(first)
    expect(first.path).toBe(`/v/${first.token}`)
    expect(JSON.stringify(first)).not.toContain(boardId)
    expect((await viewLink(newBoardId())).token).not.toBe(first.token)
    expect((await fetch(`${server.url}/api/boards/not-a-board/view-link`)).status).toBe(400)
    // The view page is served by the single-page client.
    expect([200, 503]).toContain((await fetch(`${server.url}${first.path}`)).status)
  })

  it('show the board and presence live, and refuse any edit with a clear close code', async () => {
    const boardId = newBoardId()
    const editor = client(server.wsUrl, boardId)
    await whenSynced(editor)
    editor.doc.getText('t').insert(0, 'hello')
    const { token } = await viewLink(boardId)

    const viewer = client(`${server.wsUrl}/view`, token)
    await whenSynced(viewer)
    expect(viewer.doc.getText('t').toString()).toBe('hello')
    // Live updates reach the viewer.
    editor.doc.getText('t').insert(5, ' world')
    await eventually(() => expect(viewer.doc.getText('t').toString()).toBe('hello world'))
    // Presence goes both ways.
    viewer.provider.awareness.setLocalStateField('user', { name: 'Viewer' })
    editor.provider.awareness.setLocalStateField('user', { name: 'Editor' })
    await eventually(() => {
      expect([...editor.provider.awareness.getStates().values()].map((s) => s.user?.name)).toContain('Viewer')
      expect([...viewer.provider.awareness.getStates().values()].map((s) => s.user?.name)).toContain('Editor')
    })
    // Its handshake (an empty sync step 2) is accepted: still connected a moment later.
    await new Promise((r) => setTimeout(r, 300))
    expect(viewer.provider.wsconnected).toBe(true)

    // An edit from the viewer is refused and the viewer told why; it does not retry.
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      viewer.provider.once('connection-close', (event) => resolve({ code: event!.code, reason: event!.reason })),
    )
    viewer.doc.getText('t').insert(0, 'HACKED ')
    expect(await closed).toEqual({ code: CloseCode.viewOnly, reason: 'view-only link: edits are not accepted' })
    await new Promise((r) => setTimeout(r, 500))
    expect(viewer.provider.wsconnected).toBe(false)
    expect(editor.doc.getText('t').toString()).toBe('hello world')
    expect(await boardAsSeenFresh(boardId)).toEqual({ text: 'hello world', keys: ['t'] })
    await eventually(() => expect(server.output()).toMatch(/"limit":"view_only"/))
  })

  it('refuse every crafted message that would change the board, and allow read-only ones', async () => {
    const boardId = newBoardId()
    const editor = client(server.wsUrl, boardId)
    await whenSynced(editor)
    editor.doc.getText('t').insert(0, 'keep me')
    const { token } = await viewLink(boardId)
    const viewUrl = `${server.wsUrl}/view/${token}`
    await new Promise((r) => setTimeout(r, 200))
    const base = editor.doc

    const attacks: Record<string, Uint8Array> = {
      'update inserting text': syncFrame(
        'update',
        makeUpdate((d) => d.getText('t').insert(0, 'X'), base),
      ),
      'sync step 2 inserting text': syncFrame(
        'step2',
        makeUpdate((d) => d.getText('t').insert(7, '!'), base),
      ),
      'update deleting existing text': syncFrame(
        'update',
        makeUpdate((d) => d.getText('t').delete(0, 4), base),
      ),
      'update creating a new root type': syncFrame(
        'update',
        makeUpdate((d) => d.getMap('records').set('x', 1)),
      ),
      'full state plus one insertion': syncFrame(
        'step2',
        Y.mergeUpdates([Y.encodeStateAsUpdate(base), makeUpdate((d) => d.getText('t').insert(0, 'Y'), base)]),
      ),
    }
    for (const [name, frame] of Object.entries(attacks)) {
      const raw = await openRaw(viewUrl)
      raw.send(frame)
      expect(await raw.closed, name).toEqual({ code: CloseCode.viewOnly, reason: 'view-only link: edits are not accepted' })
    }
    expect(await boardAsSeenFresh(boardId)).toEqual({ text: 'keep me', keys: ['t'] })

    // Read-only traffic is fine: sync step 1, an empty step 2, re-sending known state, awareness.
    const raw = await openRaw(viewUrl)
    raw.send(syncFrame('step1', Y.encodeStateVector(new Y.Doc())))
    raw.send(syncFrame('step2', Y.encodeStateAsUpdate(new Y.Doc())))
    raw.send(syncFrame('update', Y.encodeStateAsUpdate(base)))
    const presence = new awarenessProtocol.Awareness(new Y.Doc())
    presence.setLocalStateField('user', { name: 'Raw viewer' })
    const enc = encoding.createEncoder()
    encoding.writeVarUint(enc, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(presence, [presence.clientID]))
    raw.send(encoding.toUint8Array(enc))
    raw.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]))
    await eventually(() => expect([...editor.provider.awareness.getStates().values()].map((s) => s.user?.name)).toContain('Raw viewer'))
    // The step 2 answer carried the board.
    await eventually(() => {
      const doc = new Y.Doc()
      for (const msg of raw.received) {
        if (msg[0] === 0 && msg[1] === 1) Y.applyUpdate(doc, msg.subarray(2 + (msg[2] < 128 ? 1 : msg[3] < 128 ? 2 : 3)))
      }
      expect(doc.getText('t').toString()).toBe('keep me')
    })
    expect(raw.ws.readyState).toBe(raw.ws.OPEN)
    raw.ws.close()
  })

  it('refuse unknown or malformed view tokens at the upgrade', async () => {
    expect(await upgradeStatus(`${server.wsUrl}/view/${'A'.repeat(24)}`)).toBe(404)
    expect(await upgradeStatus(`${server.wsUrl}/view/short`)).toBe(400)
    // The view path never doubles as an edit path: a board id there is just an unknown token.
    const boardId = newBoardId()
    const { token } = await viewLink(boardId)
    expect(await upgradeStatus(`${server.wsUrl}/view/${boardId}`)).toBe(404)
    expect(await upgradeStatus(`${server.wsUrl}/view/${token}`)).toBe(101)
  })
})

describe('ACCESS_TOKEN', () => {
  const TOKEN = 'team-token-7f3a9c1e55'
  let gated: ServerProcess

  beforeAll(async () => {
    gated = await startServerProcess({ env: { ACCESS_TOKEN: TOKEN } })
  })
  afterAll(async () => {
    await gated?.stop()
  })

  it('refuses HTTP requests without the right token and accepts header, query and cookie', async () => {
    expect((await fetch(`${gated.url}/healthz`)).status).toBe(200)
    for (const pathname of ['/', '/readyz', '/metrics', `/b/${newBoardId()}`, `/api/boards/${newBoardId()}/view-link`]) {
      const missing = await fetch(`${gated.url}${pathname}`)
      expect(missing.status, pathname).toBe(401)
      expect((await missing.json()).error).toMatch(/access token/)
      expect((await fetch(`${gated.url}${pathname}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
      expect((await fetch(`${gated.url}${pathname}?access_token=wrong`)).status).toBe(401)
    }
    expect((await fetch(`${gated.url}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect((await fetch(`${gated.url}/readyz?access_token=${TOKEN}`)).status).toBe(200)

    // A browser arriving with ?access_token= gets a cookie and a clean address.
    const boardPath = `/b/${newBoardId()}`
    const first = await fetch(`${gated.url}${boardPath}?access_token=${TOKEN}`, { redirect: 'manual' })
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe(boardPath)
    const cookie = first.headers.get('set-cookie')!.split(';')[0]
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly/)
    expect((await fetch(`${gated.url}/readyz`, { headers: { cookie } })).status).toBe(200)
    expect((await fetch(`${gated.url}/readyz`, { headers: { cookie: 'roundtable_access=wrong' } })).status).toBe(401)
  })

  it('refuses WebSocket upgrades without the right token', async () => {
    const boardId = newBoardId()
    expect(await upgradeStatus(`${gated.wsUrl}/${boardId}`)).toBe(401)
    expect(await upgradeStatus(`${gated.wsUrl}/${boardId}?access_token=wrong`)).toBe(401)
    expect(await upgradeStatus(`${gated.wsUrl}/${boardId}`, { authorization: 'Bearer wrong' })).toBe(401)
    expect(await upgradeStatus(`${gated.wsUrl}/${boardId}`, { authorization: `Bearer ${TOKEN}` })).toBe(101)
    expect(await upgradeStatus(`${gated.wsUrl}/${boardId}`, { cookie: `roundtable_access=${TOKEN}` })).toBe(101)

    // A stock client passing the token as a parameter syncs.
    const a = client(gated.wsUrl, boardId, { params: { access_token: TOKEN } })
    const b = client(gated.wsUrl, boardId, { params: { access_token: TOKEN } })
    await Promise.all([whenSynced(a), whenSynced(b)])
    a.doc.getText('t').insert(0, 'through the gate')
    await eventually(() => expect(b.doc.getText('t').toString()).toBe('through the gate'))
  })

  it('never writes the access token or the server secret to the logs', async () => {
    const secret = fs.readFileSync(path.join(gated.dataDir, 'server-secret'), 'utf8').trim()
    expect(fs.statSync(path.join(gated.dataDir, 'server-secret')).mode & 0o777).toBe(0o600)
    expect(gated.output()).toMatch(/"limit":"access_token"|connection opened/)
    expect(gated.output()).not.toContain(TOKEN)
    expect(gated.output()).not.toContain(secret)
  })
})
