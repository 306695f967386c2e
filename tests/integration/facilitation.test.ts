import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  batonHolder,
  callNext,
  handsState,
  joinRound,
  nextTurn,
  roundsState,
  startRound,
  turnRemainingMs,
  raiseHand,
  estimateOffset,
  newBoardId,
  passBaton,
  readFacilitation,
  remainingMs,
  stepForward,
  timerAct,
  type ClockSample,
} from '@roundtable/shared'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'

let server: ServerProcess
const clients: YClient[] = []

function client(boardId: string): YClient {
  const c = connectClient(server.wsUrl, boardId)
  clients.push(c)
  return c
}

beforeAll(async () => {
  server = await startServerProcess()
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  await server?.stop()
})

const ann = { id: 'ann', name: 'Ann' }
const bob = { id: 'bob', name: 'Bob' }
const cat = { id: 'cat', name: 'Cat' }

describe('facilitation through the real server', () => {
  it('GET /api/time gives the server clock; a client estimates its offset from it', async () => {
    const samples: ClockSample[] = []
    for (let i = 0; i < 4; i++) {
      const t0 = Date.now()
      const res = await fetch(`${server.url}/api/time`)
      const t1 = Date.now()
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const body = (await res.json()) as { now: number }
      expect(typeof body.now).toBe('number')
      // Same machine, same clock: the answer falls inside the round trip.
      expect(body.now).toBeGreaterThanOrEqual(t0 - 1)
      expect(body.now).toBeLessThanOrEqual(t1 + 1)
      samples.push({ t0, t1, serverNow: body.now })
    }
    expect(Math.abs(estimateOffset(samples)!.offsetMs)).toBeLessThan(50)
    const post = await fetch(`${server.url}/api/time`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(await post.json()).toEqual({ error: 'use GET' })
  })

  it('two people stepping forward at once converge on one holder for everyone', async () => {
    const boardId = newBoardId()
    const [a, b, c] = [client(boardId), client(boardId), client(boardId)]
    await Promise.all([whenSynced(a), whenSynced(b), whenSynced(c)])
    // Neither has seen the other's act: both write before any update crosses.
    const now = Date.now()
    stepForward(a.doc, ann, now)
    stepForward(b.doc, bob, now)
    await eventually(() => {
      for (const x of [a, b, c]) expect(readFacilitation(x.doc).log).toHaveLength(2)
    })
    const holders = [a, b, c].map((x) => batonHolder(readFacilitation(x.doc).log)?.id)
    expect(new Set(holders).size).toBe(1)
    // Same millisecond: the tie-break by participant id picks Bob everywhere.
    expect(holders[0]).toBe('bob')

    // The holder passes on; everyone sees it, in the same log order.
    passBaton(b.doc, bob, cat, Date.now())
    await eventually(() => {
      for (const x of [a, b, c]) expect(batonHolder(readFacilitation(x.doc).log)?.id).toBe('cat')
    })
    const orders = [a, b, c].map((x) =>
      readFacilitation(x.doc)
        .log.map((e) => e.id)
        .join(),
    )
    expect(new Set(orders).size).toBe(1)
  })

  it('two people calling next at once call one person, for everyone', async () => {
    const boardId = newBoardId()
    const [a, b, c] = [client(boardId), client(boardId), client(boardId)]
    await Promise.all([whenSynced(a), whenSynced(b), whenSynced(c)])
    raiseHand(a.doc, ann, Date.now())
    raiseHand(c.doc, cat, Date.now() + 1)
    await eventually(() => expect(handsState(readFacilitation(b.doc).log).queue.map((h) => h.id)).toEqual(['ann', 'cat']))
    // Offline, Ann sees only Cat as here; Bob sees everyone: each calls someone else for turn 1.
    a.provider.disconnect()
    b.provider.disconnect()
    const t = Date.now() + 10
    expect(callNext(a.doc, ann, new Set(['cat']), t)?.id).toBe('cat')
    expect(callNext(b.doc, bob, new Set(['ann', 'bob', 'cat']), t)?.id).toBe('ann')
    a.provider.connect()
    b.provider.connect()
    await eventually(() => {
      for (const x of [a, b, c]) expect(readFacilitation(x.doc).log).toHaveLength(4)
    })
    const states = [a, b, c].map((x) => handsState(readFacilitation(x.doc).log))
    // Same millisecond: the tie-break by participant id makes Ann's call the one, everywhere.
    for (const s of states) {
      expect(s.called).toMatchObject({ id: 'cat', turn: 1, byName: 'Ann' })
      expect(s.queue.map((h) => h.id)).toEqual(['ann'])
    }
  })

  it('a late joiner sees the go-around turn under way and its time left, and joins at the end', async () => {
    const boardId = newBoardId()
    const a = client(boardId)
    await whenSynced(a)
    const t = Date.now()
    startRound(a.doc, ann, { prompt: 'One word', minutesEach: 2, order: [ann, bob] }, t)
    nextTurn(a.doc, ann, 'done', t + 30_000)
    await new Promise((r) => setTimeout(r, 200))
    const late = client(boardId)
    await whenSynced(late)
    await eventually(() => expect(roundsState(readFacilitation(late.doc).log).active?.current).toBe(1))
    const round = roundsState(readFacilitation(late.doc).log).active!
    expect(round.turns[1].name).toBe('Bob')
    expect(turnRemainingMs(round, t + 50_000)).toBe(100_000)
    joinRound(late.doc, cat, t + 50_000)
    await eventually(() => expect(roundsState(readFacilitation(a.doc).log).active?.turns.map((x) => x.id)).toEqual(['ann', 'bob', 'cat']))
  })

  it('concurrent step-forwards while disconnected converge once both reconnect', async () => {
    const boardId = newBoardId()
    const [a, b] = [client(boardId), client(boardId)]
    await Promise.all([whenSynced(a), whenSynced(b)])
    a.provider.disconnect()
    b.provider.disconnect()
    stepForward(a.doc, ann, Date.now())
    stepForward(b.doc, bob, Date.now() + 5)
    a.provider.connect()
    b.provider.connect()
    await eventually(() => {
      expect(batonHolder(readFacilitation(a.doc).log)?.id).toBe('bob')
      expect(batonHolder(readFacilitation(b.doc).log)?.id).toBe('bob')
    })
  })

  it('two people starting a timer at once end up with the same timer', async () => {
    const boardId = newBoardId()
    const [a, b] = [client(boardId), client(boardId)]
    await Promise.all([whenSynced(a), whenSynced(b)])
    a.provider.disconnect()
    b.provider.disconnect()
    const t = Date.now()
    timerAct(a.doc, ann, { type: 'start', durationMs: 60_000 }, t)
    timerAct(b.doc, bob, { type: 'start', durationMs: 300_000 }, t)
    a.provider.connect()
    b.provider.connect()
    await eventually(() => {
      expect(readFacilitation(a.doc).log).toHaveLength(2)
      expect(readFacilitation(b.doc).log).toHaveLength(2)
    })
    const timerA = readFacilitation(a.doc).timer
    expect(readFacilitation(b.doc).timer).toEqual(timerA)
    expect([60_000, 300_000]).toContain(remainingMs(timerA, t))
  })

  it('a late joiner sees the timer and the log exactly as the others do', async () => {
    const boardId = newBoardId()
    const a = client(boardId)
    await whenSynced(a)
    const t = Date.now()
    timerAct(a.doc, ann, { type: 'start', durationMs: 120_000 }, t)
    stepForward(a.doc, ann, t + 1)
    timerAct(a.doc, ann, { type: 'pause' }, t + 20_000)
    timerAct(a.doc, ann, { type: 'add' }, t + 21_000)
    timerAct(a.doc, ann, { type: 'resume' }, t + 22_000)
    // Let the server store it, then a newcomer who was never there connects.
    await new Promise((r) => setTimeout(r, 200))
    const late = client(boardId)
    await whenSynced(late)
    await eventually(() => expect(readFacilitation(late.doc).log).toHaveLength(5))
    const mine = readFacilitation(a.doc)
    const theirs = readFacilitation(late.doc)
    expect(theirs.timer).toEqual(mine.timer)
    expect(theirs.timer).toEqual({ status: 'running', endsAt: t + 22_000 + 160_000, durationMs: 180_000 })
    expect(remainingMs(theirs.timer, t + 30_000)).toBe(152_000)
    expect(theirs.log.map((e) => e.kind)).toEqual(['timer.start', 'baton.take', 'timer.pause', 'timer.add', 'timer.resume'])
    expect(theirs.log).toEqual(mine.log)
  })

  it('facilitation state survives a server restart', async () => {
    const boardId = newBoardId()
    const a = client(boardId)
    await whenSynced(a)
    stepForward(a.doc, ann, Date.now())
    timerAct(a.doc, ann, { type: 'start', durationMs: 300_000 }, Date.now())
    await new Promise((r) => setTimeout(r, 200))
    // Nobody who saw it stays connected: what the newcomer gets comes from the server's storage.
    a.destroy()
    clients.splice(clients.indexOf(a), 1)
    const { dataDir, port } = server
    expect(await server.stop('SIGTERM')).toBe(0)
    server = await startServerProcess({ dataDir, port })
    const late = client(boardId)
    await whenSynced(late)
    await eventually(() => {
      const s = readFacilitation(late.doc)
      expect(batonHolder(s.log)?.id).toBe('ann')
      expect(s.timer.status).toBe('running')
    })
  })
})
