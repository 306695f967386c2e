import crypto from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { DRAFTS_AWARENESS_FIELD, boardRecords, plainText, type JsonRecord } from '@roundtable/shared'
import { flushed, roomFixtures, type Peer } from '../sync/testing.ts'
import { ANONYMOUS_COLLECT_MS, SilentRounds } from './rounds.ts'
import { SERVER_ORIGIN, recordsOf } from './common.ts'

const { openRoom } = roomFixtures()

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

const PAGE = { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} }

/** A board with one page and silent rounds; `people` editors on it, one of whom started an anonymous round. */
async function anonymousRound(people: number) {
  const fixture = openRoom({ seed: (d) => boardRecords(d).set(PAGE.id, PAGE), extensions: [new SilentRounds()] })
  const peers = Array.from({ length: people }, () => fixture.join())
  const started = peers[0].request('round.start', {
    prompt: 'Ideas?',
    durationMs: null,
    anonymous: true,
    pageId: PAGE.id,
    anchor: { x: 0, y: 0 },
  })
  await flushed()
  const reply = peers[0].reply(started)
  expect(reply?.ok).toBe(true)
  return { ...fixture, peers, roundId: (reply!.result as { roundId: string }).roundId }
}

/** What the app shows others while a round runs: how many drafts, never what they say. */
function showDrafts(peer: Peer, roundId: string, count: number) {
  peer.awareness([{ clock: 1, state: { [DRAFTS_AWARENESS_FIELD]: { roundId, count } } }])
}

function handIn(peer: Peer, roundId: string, notes: string[], extra: Record<string, unknown> = {}): number {
  return peer.request('round.publishAnonymous', { roundId, notes, ...extra })
}

/** The texts of the notes on the board, in their stacking order. */
function publishedTexts(doc: Y.Doc): string[] {
  const notes = [...recordsOf(doc).map.values()]
    .map((e) => e.val as JsonRecord & { type?: string; index: string; props: { richText: unknown } })
    .filter((v) => v.type === 'note')
  return notes.sort((a, b) => (a.index < b.index ? -1 : 1)).map((n) => plainText(n.props.richText))
}

/** Every update the board's doc takes from now on, with its origin. */
function recordUpdates(fixture: { room: { onUpdate: (l: (u: Uint8Array, origin: unknown) => void) => () => void } }) {
  const updates: { update: Uint8Array; origin: unknown }[] = []
  fixture.room.onUpdate((update, origin) => updates.push({ update, origin }))
  return updates
}

describe('an anonymous reveal', () => {
  it('waits for everyone who showed drafts, then publishes all their notes shuffled, in one update under the server’s origin', async () => {
    const randomInt = vi.spyOn(crypto, 'randomInt').mockImplementation((() => 0) as unknown as typeof crypto.randomInt)
    const fixture = await anonymousRound(3)
    const { room, roundId, peers } = fixture
    const [alice, bob, carol] = peers
    showDrafts(alice, roundId, 2)
    showDrafts(bob, roundId, 2)
    const revealed = carol.request('round.reveal', { roundId })
    expect(carol.reply(revealed)?.ok).toBe(true)

    const aliceIn = handIn(alice, roundId, ['a1', 'a2'])
    await flushed()
    // Bob showed drafts: nothing is published until he hands his in.
    expect(alice.reply(aliceIn)).toBeUndefined()
    expect(publishedTexts(room.doc)).toEqual([])

    const updates = recordUpdates(fixture)
    const seen = peers.map((p) => p.conn.sent.length)
    const bobIn = handIn(bob, roundId, ['b1', 'b2'])
    await flushed()
    expect(alice.reply(aliceIn)).toEqual({ id: aliceIn, ok: true, result: { published: 2 } })
    expect(bob.reply(bobIn)).toEqual({ id: bobIn, ok: true, result: { published: 2 } })
    expect(updates.map((u) => u.origin)).toEqual([SERVER_ORIGIN])
    // Written by nobody on the board: every connection, the writers too, is sent it.
    for (const [i, peer] of peers.entries()) expect(peer.conn.syncPayloads('update', seen[i])).toHaveLength(1)
    for (const update of carol.conn.syncPayloads('update')) Y.applyUpdate(carol.doc, update)
    // Fisher-Yates with every draw 0: [a1 a2 b1 b2] becomes [a2 b1 b2 a1].
    expect(randomInt.mock.calls.map(([max]) => max)).toEqual([4, 3, 2])
    expect(publishedTexts(room.doc)).toEqual(['a2', 'b1', 'b2', 'a1'])
    expect(publishedTexts(carol.doc)).toEqual(['a2', 'b1', 'b2', 'a1'])
  })

  it('refuses a lone writer’s notes with code alone, and publishes them when they choose to', async () => {
    const { room, roundId, peers } = await anonymousRound(2)
    const [alice, bob] = peers
    showDrafts(alice, roundId, 1)
    showDrafts(bob, roundId, 1)
    alice.request('round.reveal', { roundId })
    const aliceIn = handIn(alice, roundId, ['only mine'])
    // Bob deleted his draft: he hands in nothing.
    const bobIn = handIn(bob, roundId, [])
    await flushed()
    expect(alice.reply(aliceIn)).toMatchObject({ ok: false, code: 'alone' })
    expect(bob.reply(bobIn)).toEqual({ id: bobIn, ok: true, result: { published: 0 } })
    expect(publishedTexts(room.doc)).toEqual([])

    const anyway = handIn(alice, roundId, ['only mine'], { alone: true })
    await flushed()
    expect(alice.reply(anyway)).toEqual({ id: anyway, ok: true, result: { published: 1 } })
    expect(publishedTexts(room.doc)).toEqual(['only mine'])
  })

  it('no longer waits for a connection that left', async () => {
    const { room, roundId, peers } = await anonymousRound(3)
    const [alice, bob, dave] = peers
    for (const peer of peers) showDrafts(peer, roundId, 1)
    alice.request('round.reveal', { roundId })
    const ins = [handIn(alice, roundId, ['from Alice']), handIn(bob, roundId, ['from Bob'])]
    await flushed()
    expect(ins.map((id, i) => peers[i].reply(id))).toEqual([undefined, undefined])

    dave.conn.close(1001, 'gone')
    await flushed()
    expect(ins.map((id, i) => peers[i].reply(id)?.ok)).toEqual([true, true])
    expect(publishedTexts(room.doc).sort()).toEqual(['from Alice', 'from Bob'])
  })

  it(`waits at most ${ANONYMOUS_COLLECT_MS} ms for someone who went quiet`, async () => {
    const { room, roundId, peers } = await anonymousRound(3)
    vi.useFakeTimers()
    const [alice, bob, quiet] = peers
    for (const peer of peers) showDrafts(peer, roundId, 1)
    alice.request('round.reveal', { roundId })
    handIn(alice, roundId, ['from Alice'])
    handIn(bob, roundId, ['from Bob'])
    await vi.advanceTimersByTimeAsync(ANONYMOUS_COLLECT_MS - 1)
    expect(publishedTexts(room.doc)).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(publishedTexts(room.doc).sort()).toEqual(['from Alice', 'from Bob'])
    expect(quiet.conn.closed).toBeUndefined()
  })
})
