/**
 * Presence (awareness) belongs to the connection that set it: no connection, view-only or not,
 * may rename or remove someone else's cursor, and one connection cannot flood everyone with
 * presence states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import { CloseCode, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, newBoardId } from '@roundtable/shared'
import type { ServerProcess } from '../support/server.ts'
import { eventually, type YClient } from '../support/yclient.ts'
import { openRaw, type RawClient } from '../support/raw.ts'
import { observe, type Observer } from '../support/observer.ts'
import { Harness, metric, withTimeout } from './helpers.ts'

const h = new Harness()
const raws: RawClient[] = []
const observers: Observer[] = []
let server: ServerProcess

beforeAll(async () => {
  server = await h.server({ env: { MAX_PRESENCE_STATE_BYTES: '2048' } })
})
afterAll(async () => {
  for (const r of raws) r.ws.terminate()
  for (const o of observers) o.close()
  await h.dispose()
})

/** An awareness message setting `state` (null: removing it) for each [client id, clock]. */
function presence(entries: [number, number, unknown][]): Uint8Array {
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, entries.length)
  for (const [id, clock, state] of entries) {
    encoding.writeVarUint(inner, id)
    encoding.writeVarUint(inner, clock)
    encoding.writeVarString(inner, JSON.stringify(state))
  }
  const message = encoding.createEncoder()
  encoding.writeVarUint(message, MESSAGE_AWARENESS)
  encoding.writeVarUint8Array(message, encoding.toUint8Array(inner))
  return encoding.toUint8Array(message)
}

async function raw(url: string, opts: { autoPong?: boolean } = {}): Promise<RawClient> {
  const r = opts.autoPong === false ? await openNoPong(url) : await openRaw(url)
  raws.push(r)
  return r
}

/** A socket that stops answering pings, like one whose network went away. */
async function openNoPong(url: string): Promise<RawClient> {
  const ws = new WebSocket(url, { autoPong: false })
  const received: Uint8Array[] = []
  ws.on('message', (d) => received.push(new Uint8Array(d as Buffer)))
  ws.on('error', () => {})
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await new Promise((resolve) => ws.once('open', resolve))
  return { ws, received, closed, send: (data) => ws.readyState === ws.OPEN && ws.send(data) }
}

async function observer(boardId: string): Promise<Observer> {
  const o = await observe(server.wsUrl, boardId)
  observers.push(o)
  return o
}

const nameOf = (o: Observer, id: number) => (o.awareness.getStates().get(id) as { user?: { name: string } } | undefined)?.user?.name
const clockOf = (c: YClient) => c.provider.awareness.meta.get(c.doc.clientID)!.clock

describe('presence spoofing', () => {
  it('a view-only connection claiming someone else’s presence is closed (4410) and changes nothing', async () => {
    const boardId = newBoardId()
    const alice = await h.client(server, boardId)
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    const watcher = await observer(boardId)
    await eventually(() => expect(nameOf(watcher, alice.doc.clientID)).toBe('Alice'))

    const { token } = (await (await fetch(`${server.url}/api/boards/${boardId}/view-link`)).json()) as { token: string }
    const viewer = await raw(`${server.wsUrl}/view/${token}`)
    viewer.send(presence([[alice.doc.clientID, clockOf(alice) + 1, { user: { name: 'Alice (spoofed)' } }]]))
    viewer.send(presence([[alice.doc.clientID, clockOf(alice) + 2, null]]))
    // Alice answers the server's ping, so the claim is a spoof.
    expect(await withTimeout(viewer.closed, 8_000, 'the spoofer was not closed')).toEqual({
      code: CloseCode.presenceNotYours,
      reason: 'presence belongs to another connection',
    })
    expect(nameOf(watcher, alice.doc.clientID)).toBe('Alice')
    expect(alice.provider.wsconnected).toBe(true)
    expect(server.output()).toMatch(/ignored presence for a client id another connection controls/)
    expect(server.output()).toMatch(/"limit":"presence_owner".*closing connection: limit exceeded/)
  }, 20_000)

  it('an editor relaying someone else’s presence after its own cannot rename or remove it', async () => {
    const boardId = newBoardId()
    const alice = await h.client(server, boardId)
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    const watcher = await observer(boardId)
    await eventually(() => expect(nameOf(watcher, alice.doc.clientID)).toBe('Alice'))
    const before = await metric(server, 'roundtable_limit_rejections_total{limit="presence_owner"}')

    const mallory = await raw(`${server.wsUrl}/${boardId}`)
    mallory.send(presence([[424242, 1, { user: { name: 'Mallory' } }]]))
    mallory.send(presence([[alice.doc.clientID, clockOf(alice) + 1, { user: { name: 'Alice (renamed)' } }]]))
    mallory.send(presence([[alice.doc.clientID, clockOf(alice) + 2, null]]))
    await eventually(() => expect(nameOf(watcher, 424242)).toBe('Mallory'))
    await eventually(async () => expect(await metric(server, 'roundtable_limit_rejections_total{limit="presence_owner"}')).toBe(before + 2))
    expect(nameOf(watcher, alice.doc.clientID)).toBe('Alice')
    // Alice's own changes still go through.
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice B.' })
    await eventually(() => expect(nameOf(watcher, alice.doc.clientID)).toBe('Alice B.'))
    expect(mallory.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('a client takes its presence back from a tab that relayed it, and a dead socket holding it is cut', async () => {
    const boardId = newBoardId()
    const watcher = await observer(boardId)
    // Tab A announces itself, then relays tab B's presence (BroadcastChannel) while B is offline.
    const tabA = await raw(`${server.wsUrl}/${boardId}`)
    tabA.send(presence([[1001, 1, { user: { name: 'A' } }]]))
    tabA.send(presence([[1002, 5, { user: { name: 'B' } }]]))
    await eventually(() => expect(nameOf(watcher, 1002)).toBe('B'))
    // B comes back and announces itself (the same state A relayed): B controls it from now on.
    const tabB = await raw(`${server.wsUrl}/${boardId}`)
    tabB.send(presence([[1002, 5, { user: { name: 'B' } }]]))
    tabB.send(presence([[1002, 6, { user: { name: 'B, back' } }]]))
    await eventually(() => expect(nameOf(watcher, 1002)).toBe('B, back'))
    tabA.ws.close()
    await eventually(() => expect(watcher.awareness.getStates().has(1001)).toBe(false))
    expect(nameOf(watcher, 1002)).toBe('B, back')
    expect(tabB.ws.readyState).toBe(WebSocket.OPEN)

    // B's network changes: its old socket goes silent and a new one claims the same presence.
    const stale = await raw(`${server.wsUrl}/${boardId}`, { autoPong: false })
    stale.send(presence([[2002, 1, { user: { name: 'C' } }]]))
    await eventually(() => expect(nameOf(watcher, 2002)).toBe('C'))
    const fresh = await raw(`${server.wsUrl}/${boardId}`)
    fresh.send(presence([[2002, 2, { user: { name: 'C, reconnected' } }]]))
    await withTimeout(stale.closed, 8_000, 'the silent socket was not cut')
    // The client may see its socket cut before the server has finished with it: its presence goes first.
    await eventually(() => expect(watcher.awareness.getStates().has(2002)).toBe(false))
    fresh.send(presence([[2002, 3, { user: { name: 'C, reconnected' } }]]))
    await eventually(() => expect(nameOf(watcher, 2002)).toBe('C, reconnected'))
    expect(fresh.ws.readyState).toBe(WebSocket.OPEN)
  }, 20_000)
})

describe('presence limits', () => {
  it('one connection cannot create more presence states than MAX_PRESENCE_CLIENTS_PER_CONNECTION (4431)', async () => {
    const boardId = newBoardId()
    const watcher = await observer(boardId)
    const flooder = await raw(`${server.wsUrl}/${boardId}`)
    const many: [number, number, unknown][] = Array.from({ length: 20_000 }, (_, i) => [
      1_000_000 + i,
      1,
      { user: { name: 'x'.repeat(200) } },
    ])
    flooder.send(presence(many))
    expect(await withTimeout(flooder.closed, 5_000, 'the flooder was not closed')).toEqual({
      code: CloseCode.presenceTooLarge,
      reason: 'more than 4 presence states on one connection',
    })
    // Four are fine; a fifth, later, is not.
    const busy = await raw(`${server.wsUrl}/${boardId}`)
    busy.send(presence([1, 2, 3, 4].map((i) => [3000 + i, 1, { n: i }])))
    await eventually(() => expect(watcher.awareness.getStates().size).toBe(4))
    busy.send(presence([[3005, 1, { n: 5 }]]))
    expect((await withTimeout(busy.closed, 5_000, 'not closed')).code).toBe(CloseCode.presenceTooLarge)
    await eventually(() => expect(watcher.awareness.getStates().size).toBe(0))
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="presence_clients"}')).toBe(2)
  })

  it('a presence state larger than MAX_PRESENCE_STATE_BYTES is dropped and counted; the connection and its last presence stay', async () => {
    const boardId = newBoardId()
    const watcher = await observer(boardId)
    const big = await raw(`${server.wsUrl}/${boardId}`)
    big.send(presence([[5001, 1, { user: { name: 'ok' } }]]))
    await eventually(() => expect(nameOf(watcher, 5001)).toBe('ok'))
    big.send(presence([[5001, 2, { user: { name: 'x'.repeat(3000) } }]]))
    await eventually(async () => expect(await metric(server, 'roundtable_limit_rejections_total{limit="presence_state_bytes"}')).toBe(1))
    expect(nameOf(watcher, 5001)).toBe('ok')
    // Still connected: a smaller state goes through.
    big.send(presence([[5001, 3, { user: { name: 'fine again' } }]]))
    await eventually(() => expect(nameOf(watcher, 5001)).toBe('fine again'))
  })

  it('answers a connection’s presence queries in full at most once a second', async () => {
    const boardId = newBoardId()
    const someone = await raw(`${server.wsUrl}/${boardId}`)
    someone.send(presence([[6001, 1, { user: { name: 'x'.repeat(1000) } }]]))
    const asker = await raw(`${server.wsUrl}/${boardId}`)
    // Everything a newcomer is sent, the other's presence included, before counting answers.
    await eventually(() => expect(asker.received.some((m) => m.length > 1000)).toBe(true))
    asker.received.length = 0
    for (let i = 0; i < 20; i++) asker.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]))
    await eventually(() => expect(asker.received.length).toBe(20))
    const sizes = asker.received.map((m) => m.length)
    expect(sizes[0]).toBeGreaterThan(1000)
    expect(sizes.slice(1)).toEqual(Array(19).fill(3))
  })
})
