/**
 * Boards at rest: a board nobody edits goes back to encoded bytes (its decoded doc dropped),
 * yet newcomers get everything, edits wake it, and nothing is lost across a restart.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { boardRecords } from '@roundtable/shared'
import { eventually } from '../support/yclient.ts'
import type { ServerProcess } from '../support/server.ts'
import { Harness, boardId, record, snapshot } from './helpers.ts'

const h = new Harness()
afterAll(() => h.dispose())

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(name + ' '))
  return found ? Number(found.split(' ')[1]) : 0
}

describe('an idle board', () => {
  it('is kept encoded, still serves newcomers and peers, wakes on an edit, and survives a restart', async () => {
    const server = await h.server({ env: { DOC_IDLE_MS: '300' } })
    const board = boardId()
    const alice = await h.client(server, board)
    const aliceKv = boardRecords(alice.doc)
    for (let i = 0; i < 20; i++) aliceKv.set(`shape:n${i}`, record(`shape:n${i}`, { x: i }))
    await eventually(async () => expect(await metric(server, 'roundtable_boards_decoded')).toBe(1), 5_000)
    // Nobody edits: the board goes back to bytes while Alice stays connected.
    await eventually(async () => expect(await metric(server, 'roundtable_boards_decoded')).toBe(0), 5_000)
    expect(await metric(server, 'roundtable_boards_loaded')).toBe(1)

    // A newcomer is answered from the bytes, and gets everything.
    const bob = await h.client(server, board)
    expect(snapshot(bob.doc)).toEqual(snapshot(alice.doc))
    expect(await metric(server, 'roundtable_boards_decoded')).toBe(0)

    // An edit wakes the board and reaches the peer.
    boardRecords(bob.doc).set('shape:n0', record('shape:n0', { x: 100 }))
    await eventually(() => expect(aliceKv.get('shape:n0')).toMatchObject({ x: 100 }))
    expect(await metric(server, 'roundtable_boards_decoded')).toBe(1)
    await eventually(async () => expect(await metric(server, 'roundtable_boards_decoded')).toBe(0), 5_000)

    // Alice writes to the board at rest; a restart keeps everything.
    aliceKv.set('shape:late', record('shape:late'))
    await eventually(() => expect(boardRecords(bob.doc).get('shape:late')).toBeDefined())
    const expected = snapshot(bob.doc)
    h.drop(alice)
    h.drop(bob)
    await server.stop('SIGKILL')
    const restarted = await h.server({ dataDir: server.dataDir, env: { DOC_IDLE_MS: '300' } })
    const carol = await h.client(restarted, board)
    expect(snapshot(carol.doc)).toEqual(expected)
    expect(Object.keys(expected.records)).toHaveLength(21)
  }, 30_000)
})

describe('a board at rest after a restart', () => {
  it('is served from its stored state without being decoded, until someone edits it', async () => {
    const server = await h.server({ env: { DOC_IDLE_MS: '300' } })
    const board = boardId()
    const alice = await h.client(server, board)
    for (let i = 0; i < 20; i++) boardRecords(alice.doc).set(`shape:n${i}`, record(`shape:n${i}`, { x: i }))
    // Gone back to bytes: compacted, with its state vector.
    await eventually(async () => expect(await metric(server, 'roundtable_boards_decoded')).toBe(0), 5_000)
    const expected = snapshot(alice.doc)
    h.drop(alice)
    await server.stop('SIGKILL')

    const restarted = await h.server({ dataDir: server.dataDir, env: { DOC_IDLE_MS: '300' } })
    const bob = await h.client(restarted, board)
    const carol = await h.client(restarted, board)
    expect(snapshot(bob.doc)).toEqual(expected)
    expect(snapshot(carol.doc)).toEqual(expected)
    // Both handshakes are done (each sent its own empty diff back): still nothing decoded.
    expect(await metric(restarted, 'roundtable_boards_loaded')).toBe(1)
    expect(await metric(restarted, 'roundtable_boards_decoded')).toBe(0)

    boardRecords(bob.doc).set('shape:n0', record('shape:n0', { x: 100 }))
    await eventually(() => expect(boardRecords(carol.doc).get('shape:n0')).toMatchObject({ x: 100 }))
    expect(await metric(restarted, 'roundtable_boards_decoded')).toBe(1)
  }, 30_000)
})

describe('someone alone on a board', () => {
  it('stays connected past the stock client’s 30 s silence timeout', async () => {
    const server = await h.server()
    const board = boardId()
    const alone = await h.client(server, board)
    alone.provider.awareness.setLocalStateField('user', { name: 'Alone' })
    const statuses: string[] = []
    alone.provider.on('status', ({ status }) => statuses.push(status))
    const socket = alone.provider.ws
    // y-websocket closes a socket that received nothing for 30 s (its own check runs every 3 s).
    await new Promise((r) => setTimeout(r, 36_000))
    expect(statuses).toEqual([])
    expect(alone.provider.ws).toBe(socket)
    expect(alone.provider.wsconnected).toBe(true)
    expect(server.output().match(/connection opened/g)).toHaveLength(1)
  }, 45_000)
})
