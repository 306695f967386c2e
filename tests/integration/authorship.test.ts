/**
 * Who may write as a Yjs client, and updates that arrive before what they build on: through
 * the real server process with stock y-websocket clients and raw sockets.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@roundtable/shared'
import type { ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced } from '../support/yclient.ts'
import { openRaw, syncFrame, type RawClient } from '../support/raw.ts'
import { Harness, boardId, withTimeout } from './helpers.ts'

const h = new Harness()
let server: ServerProcess
const raws: RawClient[] = []

beforeAll(async () => {
  server = await h.server()
})

afterAll(async () => {
  for (const r of raws) r.ws.terminate()
  await h.dispose()
})

async function raw(board: string): Promise<RawClient> {
  const r = await openRaw(`${server.wsUrl}/${board}`)
  r.ws.on('error', () => {})
  raws.push(r)
  return r
}

/** Every update `change` makes to `doc`, merged. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const updates: Uint8Array[] = []
  const onUpdate = (u: Uint8Array) => updates.push(u)
  doc.on('update', onUpdate)
  change()
  doc.off('update', onUpdate)
  return Y.mergeUpdates(updates)
}

describe('writing as a Yjs client', () => {
  it('a tab that relayed another tab’s offline edits never locks their author out', async () => {
    const board = boardId()
    // B edits offline; tab A carries B's edits (as BroadcastChannel does) and reaches the server first.
    const docB = new Y.Doc()
    docB.getMap('m').set('offline', 'by B')
    const docA = new Y.Doc()
    Y.applyUpdate(docA, Y.encodeStateAsUpdate(docB))
    docA.getMap('m').set('own', 'by A')
    await h.client(server, board, docA)
    const watcher = await h.client(server, board)
    await eventually(() => expect(watcher.doc.getMap('m').get('offline')).toBe('by B'))

    // B comes back while A stays connected, and goes on typing.
    const b = connectClient(server.wsUrl, board, docB)
    const closes: number[] = []
    b.provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0))
    await whenSynced(b)
    for (let i = 0; i < 5; i++) docB.getMap('m').set(`typed ${i}`, 'by B')
    await eventually(() => expect(watcher.doc.getMap('m').get('typed 4')).toBe('by B'))
    expect(closes).toEqual([])
    b.destroy()
  })

  it('nobody can write at a connected client’s next clock', async () => {
    const board = boardId()
    const author = await h.client(server, board)
    author.doc.getMap('m').set('first', 'real')
    const watcher = await h.client(server, board)
    await eventually(() => expect(watcher.doc.getMap('m').get('first')).toBe('real'))

    // A forger who knows the author's client id and state writes the author's next struct.
    const forged = new Y.Doc()
    Y.applyUpdate(forged, Y.encodeStateAsUpdate(author.doc))
    // Set after applying: Yjs would pick another id on seeing its own in an update.
    forged.clientID = author.doc.clientID
    const forgery = updateOf(forged, () => forged.getMap('m').set('second', 'forged'))
    const forger = await raw(board)
    forger.send(syncFrame('update', forgery))
    expect((await withTimeout(forger.closed, 5_000, 'the forger was not closed')).code).toBe(CloseCode.clientIdInUse)

    author.doc.getMap('m').set('second', 'real')
    await eventually(() => expect(watcher.doc.getMap('m').get('second')).toBe('real'))
    expect(watcher.doc.getMap('m').toJSON()).toEqual(author.doc.getMap('m').toJSON())
  })
})

describe('an update that arrives before what it builds on', () => {
  it('is held until its catch-up arrives, and the connection stays open', async () => {
    const board = boardId()
    const watcher = await h.client(server, board)
    // Someone edited offline (U1), then typed at once (U2): U2 overtakes the catch-up carrying U1.
    const doc = new Y.Doc()
    const offline = updateOf(doc, () => doc.getArray('a').push(['offline 1', 'offline 2']))
    const typed = updateOf(doc, () => doc.getArray('a').insert(1, ['typed']))
    const client = await raw(board)
    client.send(syncFrame('update', typed))
    await new Promise((r) => setTimeout(r, 200))
    expect(client.ws.readyState).toBe(client.ws.OPEN)
    client.send(syncFrame('step2', offline))
    await eventually(() => expect(watcher.doc.getArray('a').toJSON()).toEqual(['offline 1', 'typed', 'offline 2']))
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })

  it('too many waiting updates close the connection with a code that makes the client resync, not for good', async () => {
    const board = boardId()
    await h.client(server, board)
    const doc = new Y.Doc()
    updateOf(doc, () => doc.getMap('m').set('never sent', 1))
    const client = await raw(board)
    // 1,001 updates that all build on one the server never gets.
    for (let i = 0; i <= 1000; i++)
      client.send(
        syncFrame(
          'update',
          updateOf(doc, () => doc.getMap('m').set('k', i)),
        ),
      )
    const { code } = await withTimeout(client.closed, 10_000, 'the connection was not closed')
    expect(code).toBe(CloseCode.outOfSync)
    // y-websocket reconnects after every code outside 4400-4499.
    expect(code < 4400 || code > 4499).toBe(true)
  })
})
