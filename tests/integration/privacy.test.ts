import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import {
  boardRecords,
  brainstormMap,
  DRAFTS_AWARENESS_FIELD,
  encodeRoundtable,
  MESSAGE_ROUNDTABLE,
  MESSAGE_SYNC,
  newBoardId,
  noteRecord,
  plainText,
  readRound,
  roundtableClient,
  votesMap,
  type JsonRecord,
  type RoundState,
  type RoundtableClient,
  type VoteState,
} from '@roundtable/shared'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { clientIdsWriting, docText, observe, type Observer } from '../support/observer.ts'

let server: ServerProcess
const open: { destroy(): void }[] = []

beforeAll(async () => {
  server = await startServerProcess()
})
afterEach(() => open.splice(0).forEach((c) => c.destroy()))
afterAll(async () => {
  await server?.stop()
})

interface Person extends YClient {
  id: string
  secret: string
  rpc: RoundtableClient
}

/** A stock y-websocket client that also speaks Roundtable requests, present in awareness like the app. */
async function join(boardId: string, name: string): Promise<Person> {
  const client = connectClient(server.wsUrl, boardId)
  const id = `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}`
  const secret = `${name}-secret-${Math.random().toString(36).slice(2)}-long-enough`
  client.provider.awareness.setLocalStateField('user', { id, name })
  const rpc = roundtableClient(client.provider)
  const person = { ...client, id, secret, rpc, destroy: () => (rpc.dispose(), client.destroy()) }
  open.push(person)
  await whenSynced(client)
  return person
}

async function watch(boardId: string): Promise<Observer> {
  const o = await observe(server.wsUrl, boardId)
  open.push({ destroy: () => o.close() })
  return o
}

function addNotes(person: Person, texts: string[]): string[] {
  const records = boardRecords(person.doc)
  const ids = texts.map((_, i) => `shape:note-${i}-${Math.random().toString(36).slice(2)}`)
  person.doc.transact(() => {
    records.set('page:page', { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} })
    texts.forEach((text, i) => {
      records.set(ids[i], noteRecord({ id: ids[i], parentId: 'page:page', index: `a${i + 2}`, at: { x: i * 220, y: 0 }, text }) as unknown as JsonRecord)
    })
  })
  return ids
}

function startRound(person: Person, anonymous: boolean): RoundState {
  const round: RoundState = {
    roundId: `round-${Math.random().toString(36).slice(2)}`,
    prompt: 'What slows us down?',
    startedAt: Date.now(),
    endsAt: null,
    anonymous,
    revealedAt: null,
    pageId: 'page:page',
    anchor: { x: 0, y: 400 },
  }
  brainstormMap(person.doc).set('round', round)
  return round
}

function reveal(person: Person) {
  const map = brainstormMap(person.doc)
  map.set('round', { ...(map.get('round') as RoundState), revealedAt: Date.now() })
}

describe('silent brainstorm', () => {
  it('anonymous reveal: no draft leaves a device before the reveal, then all notes arrive in one update with no author', async () => {
    const boardId = newBoardId()
    const alice = await join(boardId, 'Alice')
    const bob = await join(boardId, 'Bob')
    const observer = await watch(boardId)
    addNotes(alice, ['an existing note'])
    const round = startRound(alice, true)
    await eventually(() => expect(readRound(bob.doc)?.roundId).toBe(round.roundId))

    // Drafts stay in each person's local doc; only their number goes out in awareness.
    const drafts = { alice: ['SECRET-alice-1 too many meetings', 'SECRET-alice-2 slow CI'], bob: ['SECRET-bob-1 unclear goals'] }
    alice.provider.awareness.setLocalStateField(DRAFTS_AWARENESS_FIELD, { roundId: round.roundId, count: 2 })
    bob.provider.awareness.setLocalStateField(DRAFTS_AWARENESS_FIELD, { roundId: round.roundId, count: 1 })
    await eventually(() => {
      const counts = [...alice.provider.awareness.getStates().values()].map((s) => s[DRAFTS_AWARENESS_FIELD]?.count)
      expect(counts.sort()).toEqual([1, 2])
    })
    expect(observer.text()).not.toContain('SECRET')
    expect(docText(observer.doc)).not.toContain('SECRET')

    // Publishing before the reveal is refused.
    await expect(alice.rpc.request('round.publishAnonymous', { roundId: round.roundId, notes: drafts.alice })).rejects.toThrow('not been revealed')

    reveal(bob)
    await eventually(() => expect(readRound(alice.doc)?.revealedAt).not.toBeNull())
    const framesBefore = observer.frames.length
    const [a, b] = await Promise.all([
      alice.rpc.request('round.publishAnonymous', { roundId: round.roundId, notes: drafts.alice }),
      bob.rpc.request('round.publishAnonymous', { roundId: round.roundId, notes: drafts.bob }),
    ])
    expect([a.published, b.published]).toEqual([2, 1])

    const all = [...drafts.alice, ...drafts.bob]
    await eventually(() => {
      const texts = [...boardRecords(observer.doc).map.values()].map((e) => plainText((e.val.props as { richText?: unknown })?.richText))
      for (const t of all) expect(texts).toContain(t)
    })
    // One frame carried all three notes: no insert matches one person's draft count.
    const carrying = observer.frames.slice(framesBefore).filter((f) => all.some((t) => f.includes(t)))
    expect(carrying).toHaveLength(1)
    for (const t of all) expect(carrying[0].includes(t)).toBe(true)

    const published = [...boardRecords(observer.doc).map.values()].map((e) => e.val).filter((r) => String(JSON.stringify(r)).includes('SECRET'))
    expect(published).toHaveLength(3)
    for (const r of published) {
      expect(r.meta).toEqual({})
      expect((r.props as { textLastEditedBy: unknown }).textLastEditedBy).toBeNull()
    }
    // The Yjs items were written by the server's client id, not by either author's.
    const writers = new Set(all.flatMap((t) => [...clientIdsWriting(observer.doc, t)]))
    expect(writers.size).toBe(1)
    const [writer] = writers
    expect([alice.doc.clientID, bob.doc.clientID]).not.toContain(writer)
    // ...the same id that wrote the server's reveal-layout counter.
    const slotWriters = clientIdsWriting(observer.doc, round.roundId)
    expect(slotWriters.has(writer)).toBe(true)
    // The observer never received anyone's request or reply.
    expect(observer.typesSeen().has(MESSAGE_ROUNDTABLE)).toBe(false)
    // Places in the layout do not overlap.
    const positions = new Set(published.map((r) => `${r.x},${r.y}`))
    expect(positions.size).toBe(3)
  })

  it('anonymous reveal publishes what it has after a short wait when someone never hands in', async () => {
    const boardId = newBoardId()
    const alice = await join(boardId, 'Alice')
    const bob = await join(boardId, 'Bob')
    addNotes(alice, ['x'])
    const round = startRound(alice, true)
    bob.provider.awareness.setLocalStateField(DRAFTS_AWARENESS_FIELD, { roundId: round.roundId, count: 4 })
    reveal(alice)
    await eventually(() => expect(readRound(bob.doc)?.revealedAt).not.toBeNull())
    await eventually(() => expect(alice.provider.awareness.getStates().size).toBe(2))
    const started = Date.now()
    const r = await alice.rpc.request('round.publishAnonymous', { roundId: round.roundId, notes: ['only Alice handed in'] })
    expect(r.published).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })

  it('named reveal: places are claimed from the server and never overlap between people', async () => {
    const boardId = newBoardId()
    const alice = await join(boardId, 'Alice')
    const bob = await join(boardId, 'Bob')
    addNotes(alice, ['x'])
    const round = startRound(alice, false)
    await expect(alice.rpc.request('round.claim', { roundId: round.roundId, count: 2 })).rejects.toThrow('not been revealed')
    reveal(alice)
    await eventually(() => expect(readRound(bob.doc)?.revealedAt).not.toBeNull())
    await eventually(() => expect(readRound(alice.doc)?.revealedAt).not.toBeNull())
    const [a, b] = await Promise.all([
      alice.rpc.request('round.claim', { roundId: round.roundId, count: 2 }),
      bob.rpc.request('round.claim', { roundId: round.roundId, count: 3 }),
    ])
    const places = [...Array.from({ length: 2 }, (_, i) => a.firstSlot + i), ...Array.from({ length: 3 }, (_, i) => b.firstSlot + i)]
    expect(places.sort()).toEqual([0, 1, 2, 3, 4])
    await expect(alice.rpc.request('round.publishAnonymous', { roundId: round.roundId, notes: ['x'] })).rejects.toThrow('with names')
    await expect(alice.rpc.request('round.claim', { roundId: 'old-round', count: 1 })).rejects.toThrow('not the current one')
  })
})

describe('secret dot voting', () => {
  async function setup() {
    const boardId = newBoardId()
    const alice = await join(boardId, 'Alice')
    const bob = await join(boardId, 'Bob')
    const carol = await join(boardId, 'Carol')
    const observer = await watch(boardId)
    const notes = addNotes(alice, ['ship weekly', 'fewer meetings', 'pair more'])
    await eventually(() => expect(boardRecords(carol.doc).map.size).toBe(4))
    await new Promise((r) => setTimeout(r, 100))
    return { boardId, alice, bob, carol, observer, notes }
  }
  const cast = (p: Person, voteId: string, dots: Record<string, number>) =>
    p.rpc.request('vote.cast', { voteId, participantId: p.id, secret: p.secret, dots })

  it('keeps ballots on the server: totals hidden while open, correct at close, nothing links a ballot to anyone', async () => {
    const { alice, bob, carol, observer, notes } = await setup()
    const [n1, n2, n3] = notes
    const { voteId } = await bob.rpc.request('vote.start', { shapeIds: notes, perPerson: 3, allowMultiple: true, showLive: false, durationMs: null })
    await eventually(() => expect((votesMap(observer.doc).get(voteId) as VoteState)?.status).toBe('open'))

    expect((await cast(alice, voteId, { [n1]: 2, [n2]: 1 })).dots).toEqual({ [n1]: 2, [n2]: 1 })
    await cast(bob, voteId, { [n2]: 1 })
    await cast(carol, voteId, { [n3]: 3 })
    // Carol moves a dot: the ballot is replaced.
    await cast(carol, voteId, { [n3]: 2, [n1]: 1 })
    await eventually(() => expect((votesMap(observer.doc).get(voteId) as VoteState).voterCount).toBe(3))
    const whileOpen = votesMap(observer.doc).get(voteId) as VoteState
    expect(whileOpen.totals).toBeUndefined()
    expect((await alice.rpc.request('vote.mine', { voteId, participantId: alice.id, secret: alice.secret })).dots).toEqual({ [n1]: 2, [n2]: 1 })

    const { totals } = await carol.rpc.request('vote.close', { voteId })
    expect(totals).toEqual({ [n1]: 3, [n2]: 2, [n3]: 2 })
    await eventually(() => expect((votesMap(observer.doc).get(voteId) as VoteState).totals).toEqual(totals))
    expect((votesMap(alice.doc).get(voteId) as VoteState).status).toBe('closed')

    // Nothing the observer received or holds ties a ballot to a participant: no request or
    // reply reached it, and the doc never names a voter or holds a ballot.
    expect(observer.typesSeen().has(MESSAGE_ROUNDTABLE)).toBe(false)
    for (const p of [alice, bob, carol]) {
      expect(docText(observer.doc)).not.toContain(p.id)
      expect(observer.text()).not.toContain(p.secret)
    }
    const syncFrames = observer.frames.filter((f) => f[0] === MESSAGE_SYNC)
    for (const p of [alice, bob, carol]) for (const f of syncFrames) expect(f.includes(p.id)).toBe(false)
    // Every version of the vote the doc ever held has only these public fields.
    expect(Object.keys(whileOpen).sort()).toEqual(['allowMultiple', 'endsAt', 'id', 'perPerson', 'shapeIds', 'showLive', 'startedAt', 'status', 'voterCount'])
  })

  it('refuses bad ballots with a clear error and changes no tally', async () => {
    const { alice, bob, notes, boardId } = await setup()
    const [n1, n2] = notes
    const { voteId } = await alice.rpc.request('vote.start', { shapeIds: [n1, n2], perPerson: 2, allowMultiple: false, showLive: true, durationMs: null })
    await cast(alice, voteId, { [n1]: 1 })
    const live = () => (votesMap(bob.doc).get(voteId) as VoteState | undefined)?.totals
    await eventually(() => expect(live()).toEqual({ [n1]: 1, [n2]: 0 }))

    await expect(cast(bob, voteId, { [n1]: 1, [n2]: 1, [notes[2]]: 1 })).rejects.toThrow('not part of this vote')
    await expect(cast(bob, voteId, { [n1]: 2 })).rejects.toThrow('one dot per note')
    await expect(cast(bob, voteId, { [n1]: 1.5 })).rejects.toThrow('whole number')
    await expect(cast(bob, voteId, 'lots' as never)).rejects.toThrow('dots must be an object')
    // Someone who knows Alice's public id cannot vote as her.
    await expect(bob.rpc.request('vote.cast', { voteId, participantId: alice.id, secret: bob.secret, dots: { [n2]: 1 } })).rejects.toThrow('wrong secret')
    await expect(bob.rpc.request('vote.cast', { voteId: 'nope', participantId: bob.id, secret: bob.secret, dots: {} })).rejects.toThrow('no such vote')
    await expect(bob.rpc.request('vote.start', { shapeIds: ['shape:missing'], perPerson: 3, allowMultiple: true, showLive: false, durationMs: null })).rejects.toThrow('not on this board')
    await expect(bob.rpc.request('vote.start', { shapeIds: [n1], perPerson: 0, allowMultiple: true, showLive: false, durationMs: null })).rejects.toThrow('votes per person')
    await expect(bob.rpc.request('nonsense' as never, {} as never)).rejects.toThrow('unknown op')
    await expect(cast(alice, voteId, { [n1]: 1, [n2]: 1 })).resolves.toBeDefined()
    // Beyond the limit: Alice has 2 dots.
    const limited = await alice.rpc.request('vote.start', { shapeIds: [n1, n2], perPerson: 1, allowMultiple: true, showLive: false, durationMs: null })
    await expect(cast(alice, limited.voteId, { [n1]: 1, [n2]: 1 })).rejects.toThrow('you have 1 dot; this ballot uses 2')

    await alice.rpc.request('vote.close', { voteId })
    await expect(cast(bob, voteId, { [n2]: 1 })).rejects.toThrow('this vote is closed')
    await eventually(() => expect(live()).toEqual({ [n1]: 1, [n2]: 1 }))

    // A malformed Roundtable frame closes only that connection, with a reason.
    const raw = new WebSocket(`${server.wsUrl}/${boardId}`)
    await new Promise((r) => raw.once('open', r))
    const closed = new Promise<[number, string]>((r) => raw.once('close', (code, reason) => r([code, reason.toString()])))
    const bad = encoding.createEncoder()
    encoding.writeVarUint(bad, MESSAGE_ROUNDTABLE)
    encoding.writeVarString(bad, '{"op":"vote.cast"') // truncated JSON, no id
    raw.send(encoding.toUint8Array(bad))
    expect(await closed).toEqual([4400, 'malformed message'])
    const noId = new WebSocket(`${server.wsUrl}/${boardId}`)
    await new Promise((r) => noId.once('open', r))
    const closedToo = new Promise<number>((r) => noId.once('close', (code) => r(code)))
    noId.send(encodeRoundtable({ op: 'vote.close', voteId }))
    expect(await closedToo).toBe(4400)
    // Everyone else is still connected.
    expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true)
  })

  it('an id claimed with its secret on one board cannot be taken over on another', async () => {
    const { alice, notes } = await setup()
    await alice.rpc.request('hello', { participantId: alice.id, secret: alice.secret })
    // Someone who saw Alice's public id here opens a new board first and tries to claim it.
    const elsewhere = newBoardId()
    const mallory = await join(elsewhere, 'Mallory')
    await expect(mallory.rpc.request('hello', { participantId: alice.id, secret: mallory.secret })).rejects.toThrow('wrong secret')
    const malloryNotes = addNotes(mallory, ['a'])
    const { voteId } = await mallory.rpc.request('vote.start', { shapeIds: malloryNotes, perPerson: 1, allowMultiple: false, showLive: false, durationMs: null })
    await expect(mallory.rpc.request('vote.cast', { voteId, participantId: alice.id, secret: mallory.secret, dots: { [malloryNotes[0]]: 1 } })).rejects.toThrow('wrong secret')
    // Alice, arriving later, is still herself there.
    const aliceThere = { ...(await join(elsewhere, 'Alice')), id: alice.id, secret: alice.secret }
    expect((await cast(aliceThere, voteId, { [malloryNotes[0]]: 1 })).dots).toEqual({ [malloryNotes[0]]: 1 })
    expect(notes).toHaveLength(3)
  })

  it('a view-only link can watch but not vote, start, close or publish', async () => {
    const { alice, bob, notes, boardId, observer } = await setup()
    const { voteId } = await alice.rpc.request('vote.start', { shapeIds: notes, perPerson: 3, allowMultiple: true, showLive: true, durationMs: null })
    await cast(alice, voteId, { [notes[0]]: 2 })
    const res = await fetch(`${server.url}/api/boards/${boardId}/view-link`)
    const { token } = (await res.json()) as { token: string }
    const viewer = connectClient(`${server.wsUrl}/view`, token)
    const rpc = roundtableClient(viewer.provider)
    open.push({ destroy: () => (rpc.dispose(), viewer.destroy()) })
    await whenSynced(viewer)
    // It sees what is public: the vote and its live totals.
    await eventually(() => expect((votesMap(viewer.doc).get(voteId) as VoteState).totals).toEqual({ [notes[0]]: 2, [notes[1]]: 0, [notes[2]]: 0 }))
    const round = startRound(alice, true)
    reveal(alice)
    await eventually(() => expect(readRound(viewer.doc)?.revealedAt).not.toBeNull())

    const me = { participantId: `viewer-${Math.random().toString(36).slice(2)}`, secret: 'viewer-secret-long-enough' }
    const attempts: [string, Promise<unknown>][] = [
      ['hello', rpc.request('hello', me)],
      ['cast', rpc.request('vote.cast', { voteId, ...me, dots: { [notes[1]]: 3 } })],
      ['start', rpc.request('vote.start', { shapeIds: notes, perPerson: 3, allowMultiple: true, showLive: false, durationMs: null })],
      ['close', rpc.request('vote.close', { voteId })],
      ['claim', rpc.request('round.claim', { roundId: round.roundId, count: 3 })],
      ['publish', rpc.request('round.publishAnonymous', { roundId: round.roundId, notes: ['VIEWER-NOTE'] })],
    ]
    for (const [what, attempt] of attempts) await expect(attempt, what).rejects.toThrow('view-only link')
    // Nothing changed: the vote is open with Alice's dots only, no note was published, and the
    // viewer is still connected (a refusal is an answer, not a dropped connection).
    expect(viewer.provider.wsconnected).toBe(true)
    const vote = votesMap(bob.doc).get(voteId) as VoteState
    expect(vote.status).toBe('open')
    expect(vote.totals).toEqual({ [notes[0]]: 2, [notes[1]]: 0, [notes[2]]: 0 })
    expect(docText(observer.doc)).not.toContain('VIEWER-NOTE')
    expect((await bob.rpc.request('vote.close', { voteId })).totals).toEqual({ [notes[0]]: 2, [notes[1]]: 0, [notes[2]]: 0 })
  })

  it('several panels on one connection each get their own answers', async () => {
    const { alice, notes } = await setup()
    // The app's brainstorm and vote panels share one provider: replies must not cross.
    const second = roundtableClient(alice.provider)
    try {
      const { voteId } = await alice.rpc.request('vote.start', { shapeIds: notes, perPerson: 3, allowMultiple: true, showLive: false, durationMs: null })
      const [a, b, c] = await Promise.all([
        cast(alice, voteId, { [notes[0]]: 1 }),
        second.request('vote.mine', { voteId, participantId: alice.id, secret: alice.secret }),
        second.request('vote.close', { voteId: 'nope' }).catch((e: Error) => e.message),
      ])
      expect(a.dots).toEqual({ [notes[0]]: 1 })
      expect(b.dots).toBeDefined()
      expect(c).toBe('there is no such vote on this board')
      second.dispose()
      // The first client still hears its replies after the second is gone.
      expect((await alice.rpc.request('vote.mine', { voteId, participantId: alice.id, secret: alice.secret })).dots).toEqual({ [notes[0]]: 1 })
    } finally {
      second.dispose()
    }
  })

  it('timeboxed votes close themselves to new ballots', async () => {
    const { alice, notes } = await setup()
    const { voteId } = await alice.rpc.request('vote.start', { shapeIds: notes, perPerson: 3, allowMultiple: true, showLive: false, durationMs: 1000 })
    await cast(alice, voteId, { [notes[0]]: 1 })
    // A device whose clock runs ahead cannot end it early.
    await expect(alice.rpc.request('vote.close', { voteId, onlyIfEnded: true })).rejects.toThrow('the timebox has not ended yet')
    expect((votesMap(alice.doc).get(voteId) as VoteState).status).toBe('open')
    await new Promise((r) => setTimeout(r, 1100))
    await expect(cast(alice, voteId, { [notes[1]]: 1 })).rejects.toThrow('this vote is closed')
    await eventually(() => expect((votesMap(alice.doc).get(voteId) as VoteState).totals).toEqual({ [notes[0]]: 1, [notes[1]]: 0, [notes[2]]: 0 }))
  })

  it('ballots and identities survive a server restart', async () => {
    const { alice, bob, notes, boardId } = await setup()
    const { voteId } = await alice.rpc.request('vote.start', { shapeIds: notes, perPerson: 3, allowMultiple: true, showLive: false, durationMs: null })
    await cast(alice, voteId, { [notes[0]]: 3 })
    await cast(bob, voteId, { [notes[1]]: 1 })
    const { dataDir, port } = server
    expect(await server.stop('SIGTERM')).toBe(0)
    server = await startServerProcess({ dataDir, port })
    await eventually(() => expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true), 15_000)
    expect((await alice.rpc.request('vote.mine', { voteId, participantId: alice.id, secret: alice.secret })).dots).toEqual({ [notes[0]]: 3 })
    // The secret recorded before the restart still guards Bob's id.
    await expect(alice.rpc.request('vote.mine', { voteId, participantId: bob.id, secret: alice.secret })).rejects.toThrow('wrong secret')
    const { totals } = await bob.rpc.request('vote.close', { voteId })
    expect(totals).toEqual({ [notes[0]]: 3, [notes[1]]: 1, [notes[2]]: 0 })
    const fresh = await join(boardId, 'Dave')
    expect((votesMap(fresh.doc).get(voteId) as VoteState).totals).toEqual(totals)
  })
})
