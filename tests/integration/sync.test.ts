/**
 * Real-time sync through the real server process with stock y-websocket clients: concurrent
 * edits converge, boards are isolated from each other, and presence (awareness) comes and goes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as Y from 'yjs'
import type WebSocket from 'ws'
import { boardRecords } from '@roundtable/shared'
import type { ServerProcess } from '../support/server.ts'
import { eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { Harness, boardId, record, snapshot, stateVectorHex } from './helpers.ts'

const h = new Harness()
let server: ServerProcess

beforeAll(async () => {
  server = await h.server()
})

afterAll(async () => {
  await h.dispose()
})

/** Every client reaches exactly the same document: same content and same state vector. */
function expectConverged(clients: YClient[]) {
  const [first, ...rest] = clients
  const expected = snapshot(first.doc)
  const sv = stateVectorHex(first.doc)
  for (const c of rest) {
    expect(snapshot(c.doc)).toEqual(expected)
    expect(stateVectorHex(c.doc)).toBe(sv)
  }
}

describe('three clients on one board', () => {
  const board = boardId()
  const ROUNDS = 20
  let clients: YClient[]

  beforeAll(async () => {
    clients = await Promise.all([0, 1, 2].map(() => h.client(server, board)))
  })

  it('converge after concurrent online edits to a Y.Map, a Y.Array and YKeyValue records', async () => {
    const kvs = clients.map((c) => boardRecords(c.doc))
    // All edits are made in one synchronous burst, so no client has seen another's edits when
    // it makes its own: the server receives three truly concurrent streams.
    for (let j = 0; j < ROUNDS; j++) {
      clients.forEach((c, i) => {
        c.doc.transact(() => {
          c.doc.getMap('items').set(`c${i}-k${j}`, { by: i, n: j })
          c.doc.getArray<string>('log').push([`c${i}-${j}`])
          kvs[i].set(`shape:c${i}-${j}`, record(`shape:c${i}-${j}`, { x: j, y: i }))
        })
      })
    }
    // Conflicting writes to the same keys from all three.
    clients.forEach((c, i) => {
      c.doc.getMap('items').set('contested', `c${i}`)
      c.doc.getArray<string>('log').insert(0, [`head-c${i}`])
      kvs[i].set('shape:contested', record('shape:contested', { owner: i }))
    })

    await eventually(() => {
      for (const c of clients) {
        const s = snapshot(c.doc)
        expect(Object.keys(s.items)).toHaveLength(3 * ROUNDS + 1)
        expect(s.log).toHaveLength(3 * ROUNDS + 3)
        expect(Object.keys(s.records)).toHaveLength(3 * ROUNDS + 1)
        // YKeyValue removes overwritten duplicates; that cleanup must converge too.
        expect(s.recordEntries).toHaveLength(3 * ROUNDS + 1)
      }
      expectConverged(clients)
    }, 15_000)

    const s = snapshot(clients[0].doc)
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < ROUNDS; j++) {
        expect(s.items[`c${i}-k${j}`]).toEqual({ by: i, n: j })
        expect(s.records[`shape:c${i}-${j}`]).toEqual(record(`shape:c${i}-${j}`, { x: j, y: i }))
      }
      // Each client's own pushes keep their relative order.
      expect(s.log.filter((v) => v.startsWith(`c${i}-`))).toEqual(Array.from({ length: ROUNDS }, (_, j) => `c${i}-${j}`))
    }
    expect(['c0', 'c1', 'c2']).toContain(s.items.contested)
    expect([0, 1, 2]).toContain(s.records['shape:contested'].owner)
    // Every client's YKeyValue agrees with the raw array.
    for (const kv of kvs) expect(kv.get('shape:contested')).toEqual(s.records['shape:contested'])
  })

  it('converge after two clients edit offline and reconnect at the same time', async () => {
    const [online, a, b] = clients
    a.provider.disconnect()
    b.provider.disconnect()
    for (const [i, c] of [online, a, b].entries()) {
      c.doc.transact(() => {
        c.doc.getMap('items').set('offline-contested', `o${i}`)
        c.doc.getMap('items').set(`offline-${i}`, true)
        c.doc.getArray<string>('log').delete(0, 1)
        c.doc.getArray<string>('log').push([`offline-${i}`])
      })
    }
    a.provider.connect()
    b.provider.connect()
    await Promise.all([whenSynced(a), whenSynced(b)])

    await eventually(() => {
      for (const c of clients) {
        const s = snapshot(c.doc)
        for (let i = 0; i < 3; i++) expect(s.items[`offline-${i}`]).toBe(true)
        expect(s.log.slice(-3).sort()).toEqual(['offline-0', 'offline-1', 'offline-2'])
      }
      expectConverged(clients)
    }, 15_000)
    const s = snapshot(online.doc)
    expect(['o0', 'o1', 'o2']).toContain(s.items['offline-contested'])
    // All three deleted the same first element concurrently: exactly one element is gone.
    expect(s.log).toHaveLength(3 * ROUNDS + 3 - 1 + 3)
  })

  it('a client that joins later receives the same converged state from the server', async () => {
    const late = await h.client(server, board)
    await eventually(() => expectConverged([clients[0], late]))
    expect(Object.keys(snapshot(late.doc).items).length).toBeGreaterThan(3 * ROUNDS)
  })
})

describe('two boards', () => {
  it('stay isolated from each other', async () => {
    const boardA = boardId()
    const boardB = boardId()
    const [a1, a2, b1, b2] = await Promise.all([
      h.client(server, boardA),
      h.client(server, boardA),
      h.client(server, boardB),
      h.client(server, boardB),
    ])

    a1.doc.getMap('items').set('only-on-a', 'a')
    b1.doc.getMap('items').set('only-on-b', 'b')
    b1.doc.getArray<string>('log').push(['b-log'])
    boardRecords(b1.doc).set('shape:b', record('shape:b'))
    await eventually(() => {
      expect(a2.doc.getMap('items').get('only-on-a')).toBe('a')
      expect(b2.doc.getMap('items').get('only-on-b')).toBe('b')
      expect(snapshot(b2.doc).records['shape:b']).toBeDefined()
    })
    // A fence written after B's edits were broadcast: once it arrived, anything leaked from B
    // would have arrived before it.
    a2.doc.getMap('items').set('fence', 1)
    b2.doc.getMap('items').set('fence', 2)
    await eventually(() => {
      expect(a1.doc.getMap('items').get('fence')).toBe(1)
      expect(b1.doc.getMap('items').get('fence')).toBe(2)
    })

    for (const c of [a1, a2]) {
      expect(snapshot(c.doc)).toEqual({ items: { 'only-on-a': 'a', fence: 1 }, log: [], records: {}, recordEntries: [] })
      expect([...Y.decodeStateVector(Y.encodeStateVector(c.doc)).keys()].sort()).toEqual([a1.doc.clientID, a2.doc.clientID].sort())
    }
    for (const c of [b1, b2]) {
      const s = snapshot(c.doc)
      expect(s.items).toEqual({ 'only-on-b': 'b', fence: 2 })
      expect(s.log).toEqual(['b-log'])
      expect(Object.keys(s.records)).toEqual(['shape:b'])
      expect([...Y.decodeStateVector(Y.encodeStateVector(c.doc)).keys()].sort()).toEqual([b1.doc.clientID, b2.doc.clientID].sort())
    }
  })
})

describe('awareness', () => {
  const board = boardId()

  it('reaches the other clients and late joiners, and is removed when a client leaves', async () => {
    const [c1, c2, c3] = await Promise.all([0, 1, 2].map(() => h.client(server, board)))
    const id1 = c1.doc.clientID
    const id2 = c2.doc.clientID
    const userOf = (observer: YClient, id: number) =>
      (observer.provider.awareness.getStates().get(id) as { user?: { name: string } } | undefined)?.user

    c1.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e03131' })
    c2.provider.awareness.setLocalStateField('user', { name: 'Grace', color: '#1971c2' })
    await eventually(() => {
      expect(userOf(c2, id1)).toEqual({ name: 'Ada', color: '#e03131' })
      expect(userOf(c3, id1)).toEqual({ name: 'Ada', color: '#e03131' })
      expect(userOf(c1, id2)).toEqual({ name: 'Grace', color: '#1971c2' })
      expect(userOf(c3, id2)).toEqual({ name: 'Grace', color: '#1971c2' })
    })

    // The server hands presence it holds to a client that joins afterwards.
    const c4 = await h.client(server, board)
    await eventually(() => {
      expect(userOf(c4, id1)?.name).toBe('Ada')
      expect(userOf(c4, id2)?.name).toBe('Grace')
    })

    // Updates to a state propagate too.
    c1.provider.awareness.setLocalStateField('user', { name: 'Ada L.', color: '#e03131' })
    await eventually(() => expect(userOf(c3, id1)?.name).toBe('Ada L.'))

    // A clean disconnect.
    h.drop(c1)
    await eventually(() => {
      for (const c of [c2, c3, c4]) expect(c.provider.awareness.getStates().has(id1)).toBe(false)
    })

    // An abrupt one: the socket dies without the client saying goodbye, so only the server
    // knows which presence belonged to it and must remove it for everyone.
    c2.provider.shouldConnect = false
    ;(c2.provider.ws as unknown as WebSocket).terminate()
    await eventually(() => {
      for (const c of [c3, c4]) expect(c.provider.awareness.getStates().has(id2)).toBe(false)
    })
    // Presence keeps flowing between the ones still connected.
    c4.provider.awareness.setLocalStateField('user', { name: 'Linus', color: '#2f9e44' })
    await eventually(() => expect(userOf(c3, c4.doc.clientID)?.name).toBe('Linus'))
  })
})
