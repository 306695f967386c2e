import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import {
  ballotKey,
  boardRecords,
  brainstormMap,
  DRAFTS_AWARENESS_FIELD,
  encodeRequest,
  MESSAGE_REQUEST,
  MESSAGE_SYNC,
  newBoardId,
  noteRecord,
  participantIdFromSecret,
  plainText,
  readRound,
  requestClient,
  RequestError,
  votesMap,
  type JsonRecord,
  type RoundState,
  type RequestClient,
  type VoteStartArgs,
  type VoteState,
} from '@roundtable/shared'
import * as Y from 'yjs'
import { createShapeId, createTLStore, defaultBindingUtils, defaultShapeUtils, type TLPage, type TLPageId } from 'tldraw'
import { ANONYMOUS_COLLECT_MS } from '../../server/src/privacy/rounds.ts'
import { bindStoreToDoc } from '../../client/src/sync/binding.ts'
import pg from 'pg'
import { SqliteBallotStore } from '../../server/src/storage/sqlite/ballots.ts'
import { PostgresBallotStore } from '../../server/src/storage/postgres/ballots.ts'
import type { BallotStore, StoredVote } from '../../server/src/storage/ballots.ts'
import type { MaybeAsync } from '../../server/src/storage/maybeAsync.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { startPostgres, type TestPostgres } from '../support/postgres.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { clientIdsWriting, docText, observe, type Observer } from '../support/observer.ts'

/**
 * Every test runs twice: on one process, and on three processes sharing PostgreSQL with each
 * client (and observer) on the next process in turn, so each rule must hold once per board
 * whichever process its requests arrive through (the board's owner runs it).
 */
const MODES = [
  { name: 'one process', processes: 1 },
  { name: 'three processes on one PostgreSQL database', processes: 3 },
] as const

let servers: ServerProcess[] = []
let db: TestPostgres | undefined
let next = 0
/** The next process's sync URL, round-robin. */
const wsUrl = () => servers[next++ % servers.length].wsUrl
const open: { destroy(): void }[] = []

function startServers(processes: number, ports: number[] = []): Promise<ServerProcess[]> {
  return Promise.all(
    Array.from({ length: processes }, (_, i) =>
      startServerProcess({
        port: ports[i],
        dataDir: servers[i]?.dataDir,
        env: db ? { DATABASE_URL: db.url } : {},
      }),
    ),
  )
}

interface Person extends YClient {
  id: string
  secret: string
  rpc: RequestClient
}

/** A stock y-websocket client that also sends requests, present in awareness like the app. */
async function join(boardId: string, name: string, secret = newSecret(name)): Promise<Person> {
  const client = connectClient(wsUrl(), boardId)
  const id = participantIdFromSecret(secret)
  client.provider.awareness.setLocalStateField('user', { id, name })
  const rpc = requestClient(client.provider)
  const person = { ...client, id, secret, rpc, destroy: () => (rpc.dispose(), client.destroy()) }
  open.push(person)
  await whenSynced(client)
  return person
}

const newSecret = (name: string) => `${name}-secret-${Math.random().toString(36).slice(2)}-long-enough`

/** The ballot store the servers use, opened as they open it (the SQLite file, or PostgreSQL). */
async function withBallotStore<T>(use: (store: MaybeAsync<BallotStore>) => Promise<T>): Promise<T> {
  if (!db) {
    const store = new SqliteBallotStore(servers[0].dataDir)
    try {
      return await use(store)
    } finally {
      store.close()
    }
  }
  const pool = new pg.Pool({ connectionString: db.url })
  try {
    return await use(new PostgresBallotStore(pool))
  } finally {
    await pool.end()
  }
}

/** Every ballot row stored for the board (key and dots), as text: what an operator reading the database sees. */
async function storedBallots(boardId: string): Promise<string> {
  if (!db) {
    const { default: Database } = await import('better-sqlite3')
    const file = new Database(`${servers[0].dataDir}/ballots.sqlite`, { readonly: true })
    try {
      return JSON.stringify(file.prepare('SELECT * FROM ballots WHERE board_id = ?').all(boardId))
    } finally {
      file.close()
    }
  }
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    return JSON.stringify((await client.query('SELECT * FROM ballots WHERE board_id = $1', [boardId])).rows)
  } finally {
    await client.end()
  }
}

async function watch(boardId: string): Promise<Observer> {
  const o = await observe(wsUrl(), boardId)
  open.push({ destroy: () => o.close() })
  return o
}

function addNotes(person: Person, texts: string[]): string[] {
  const records = boardRecords(person.doc)
  const ids = texts.map((_, i) => `shape:note-${i}-${Math.random().toString(36).slice(2)}`)
  person.doc.transact(() => {
    records.set('page:page', { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} })
    texts.forEach((text, i) => {
      records.set(
        ids[i],
        noteRecord({ id: ids[i], parentId: 'page:page', index: `a${i + 2}`, at: { x: i * 220, y: 0 }, text }) as unknown as JsonRecord,
      )
    })
  })
  return ids
}

/** A vote's settings: three dots each, several on one note allowed, totals hidden, no timebox, unless told otherwise. */
const voteSettings = (shapeIds: string[], changes: Partial<VoteStartArgs> = {}): VoteStartArgs => ({
  shapeIds,
  perPerson: 3,
  allowMultiple: true,
  showLive: false,
  durationMs: null,
  ...changes,
})

async function startRound(person: Person, anonymous: boolean, durationMs: number | null = null): Promise<string> {
  const { roundId } = await person.rpc.request('round.start', {
    prompt: 'What slows us down?',
    durationMs,
    anonymous,
    pageId: 'page:page',
    anchor: { x: 0, y: 400 },
  })
  await eventually(() => expect(readRound(person.doc)?.roundId).toBe(roundId))
  return roundId
}

/** What the app shows others while a round runs: how many drafts, never what they say. */
function showDrafts(person: Person, roundId: string, count: number) {
  person.provider.awareness.setLocalStateField(DRAFTS_AWARENESS_FIELD, { roundId, count })
}

/** As the app does on seeing the reveal: stop showing drafts, then hand them in. */
async function handIn(person: Person, roundId: string, notes: string[], opts: { alone?: boolean; delayMs?: number } = {}) {
  await eventually(() => expect(readRound(person.doc)?.revealedAt).not.toBeNull())
  person.provider.awareness.setLocalStateField(DRAFTS_AWARENESS_FIELD, null)
  if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs))
  return person.rpc.request('round.publishAnonymous', { roundId, notes, ...(opts.alone ? { alone: true } : {}) })
}

const noteTexts = (doc: Y.Doc) =>
  [...boardRecords(doc).map.values()].map((e) => plainText((e.val.props as { richText?: unknown })?.richText))

for (const mode of MODES) {
  describe(mode.name, () => {
    beforeAll(async () => {
      if (mode.processes > 1) db = await startPostgres()
      servers = await startServers(mode.processes)
    }, 60_000)
    afterEach(() => open.splice(0).forEach((c) => c.destroy()))
    afterAll(async () => {
      for (const s of servers) await s.stop()
      servers = []
      await db?.stop()
      db = undefined
    })

    describe('silent brainstorm', () => {
      it('drafts in the app’s store never leave the device; an anonymous reveal publishes everyone’s notes in one update with no author, however late each hands in', async () => {
        const boardId = newBoardId()
        const alice = await join(boardId, 'Alice')
        const bob = await join(boardId, 'Bob')
        const carol = await join(boardId, 'Carol')
        const observer = await watch(boardId)
        addNotes(alice, ['an existing note'])
        const roundId = await startRound(alice, true)
        await eventually(() => expect(readRound(carol.doc)?.roundId).toBe(roundId))

        // Alice writes her drafts as the app does: note shapes marked as drafts in a tldraw store
        // bound to her board doc. The binding keeps them out of the doc.
        const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })
        const binding = bindStoreToDoc(store, alice.doc, { onNewerDoc: () => {}, now: Date.now })
        open.push({ destroy: () => binding.dispose() })
        const drafts = {
          alice: ['SECRET-alice-1 too many meetings', 'SECRET-alice-2 slow CI'],
          bob: ['SECRET-bob-1 unclear goals'],
          carol: ['SECRET-carol-1 no time to think'],
        }
        store.put(
          drafts.alice.map(
            (text, i) =>
              noteRecord({
                id: createShapeId(`draft-${i}`),
                parentId: 'page:page',
                index: `a${i + 5}`,
                at: { x: i * 220, y: 0 },
                text,
                meta: { draft: roundId },
              }) as never,
          ),
        )
        expect(store.get(createShapeId('draft-0'))).toBeDefined()
        showDrafts(alice, roundId, 2)
        showDrafts(bob, roundId, 1)
        showDrafts(carol, roundId, 1)
        await eventually(() => {
          const counts = [...observer.awareness.getStates().values()].map((s) => s[DRAFTS_AWARENESS_FIELD]?.count).filter(Boolean)
          expect(counts.sort()).toEqual([1, 1, 2])
        })
        // A change that does reach the doc arrives, the drafts still do not.
        store.put([{ ...(store.get('page:page' as TLPageId) as TLPage), name: 'Retro' }])
        await eventually(() => expect(docText(observer.doc)).toContain('Retro'))
        expect(observer.text()).not.toContain('SECRET')
        expect(docText(observer.doc)).not.toContain('SECRET')
        expect(docText(alice.doc)).not.toContain('SECRET')

        // Publishing before the reveal is refused.
        await expect(alice.rpc.request('round.publishAnonymous', { roundId, notes: drafts.alice })).rejects.toThrow('not been revealed')

        await bob.rpc.request('round.reveal', { roundId })
        const framesBefore = observer.frames.length
        // Each clears their count at once, as the app does, and hands in when it gets to it.
        const [a, b, c] = await Promise.all([
          handIn(alice, roundId, drafts.alice),
          handIn(bob, roundId, drafts.bob, { delayMs: 300 }),
          handIn(carol, roundId, drafts.carol, { delayMs: 900 }),
        ])
        expect([a.published, b.published, c.published]).toEqual([2, 1, 1])
        // Who took part is credited from the counts everyone saw during the round, nothing more.
        expect(readRound(observer.doc)?.wrote).toEqual({ [alice.id]: 2, [bob.id]: 1, [carol.id]: 1 })

        const all = [...drafts.alice, ...drafts.bob, ...drafts.carol]
        await eventually(() => {
          for (const t of all) expect(noteTexts(observer.doc)).toContain(t)
        })
        // One frame carried all the notes: no insert matches one person's draft count.
        const carrying = observer.frames.slice(framesBefore).filter((f) => all.some((t) => f.includes(t)))
        expect(carrying).toHaveLength(1)
        for (const t of all) expect(carrying[0].includes(t)).toBe(true)

        const published = [...boardRecords(observer.doc).map.values()]
          .map((e) => e.val)
          .filter((r) => String(JSON.stringify(r)).includes('SECRET'))
        expect(published).toHaveLength(4)
        for (const r of published) {
          expect(r.meta).toEqual({})
          expect((r.props as { textLastEditedBy: unknown }).textLastEditedBy).toBeNull()
        }
        // The Yjs items were written by the server's client id, not by any author's.
        const writers = new Set(all.flatMap((t) => [...clientIdsWriting(observer.doc, t)]))
        expect(writers.size).toBe(1)
        const [writer] = writers
        expect([alice.doc.clientID, bob.doc.clientID, carol.doc.clientID]).not.toContain(writer)
        expect(observer.clientsSeen.has(writer)).toBe(false)
        // ...the same id that wrote the server's reveal-layout counter.
        expect(clientIdsWriting(observer.doc, roundId).has(writer)).toBe(true)
        // The observer never received anyone's request or reply.
        expect(observer.typesSeen().has(MESSAGE_REQUEST)).toBe(false)
        // Places in the layout do not overlap.
        expect(new Set(published.map((r) => `${r.x},${r.y}`)).size).toBe(4)
        // Handing in twice is refused: one connection cannot flood a reveal.
        await expect(alice.rpc.request('round.publishAnonymous', { roundId, notes: ['again'], alone: true })).rejects.toThrow(
          'published already',
        )
      })

      it('waits for everyone who showed drafts at the reveal: not for who left, at most a few seconds for who went quiet', async () => {
        const boardId = newBoardId()
        const [alice, bob, carol, dave] = await Promise.all(['Alice', 'Bob', 'Carol', 'Dave'].map((n) => join(boardId, n)))
        addNotes(alice, ['x'])
        const roundId = await startRound(alice, true)
        for (const p of [alice, bob, carol, dave]) showDrafts(p, roundId, 1)
        await eventually(() =>
          expect([...alice.provider.awareness.getStates().values()].filter((s) => s[DRAFTS_AWARENESS_FIELD]).length).toBe(4),
        )
        await alice.rpc.request('round.reveal', { roundId })
        const started = Date.now()
        const handedIn = Promise.all([handIn(alice, roundId, ['from Alice']), handIn(bob, roundId, ['from Bob'])])
        // Carol leaves: nobody waits for her. Dave stays connected but never hands in.
        await new Promise((r) => setTimeout(r, 300))
        carol.destroy()
        const [a, b] = await handedIn
        expect(a.published + b.published).toBe(2)
        expect(Date.now() - started).toBeGreaterThanOrEqual(ANONYMOUS_COLLECT_MS - 500)
        await eventually(() => expect(noteTexts(dave.doc)).toEqual(expect.arrayContaining(['from Alice', 'from Bob'])))
      })

      it('notes that would appear on their own are refused with code "alone" until their writer chooses to publish anyway', async () => {
        const boardId = newBoardId()
        const alice = await join(boardId, 'Alice')
        const bob = await join(boardId, 'Bob')
        const observer = await watch(boardId)
        addNotes(alice, ['x'])
        const roundId = await startRound(alice, true)
        showDrafts(alice, roundId, 1)
        showDrafts(bob, roundId, 2)
        await eventually(() => expect([...observer.awareness.getStates().values()].filter((s) => s[DRAFTS_AWARENESS_FIELD]).length).toBe(2))
        await bob.rpc.request('round.reveal', { roundId })
        // Bob's drafts turn out empty (he hands in nothing): Alice's note would be the only one.
        const [aliceAlone, bobNothing] = await Promise.allSettled([handIn(alice, roundId, ['ONLY-ALICE']), handIn(bob, roundId, [])])
        expect(bobNothing).toMatchObject({ status: 'fulfilled', value: { published: 0 } })
        expect(aliceAlone.status).toBe('rejected')
        const err = (aliceAlone as PromiseRejectedResult).reason as RequestError
        expect(err).toBeInstanceOf(RequestError)
        expect(err.code).toBe('alone')
        expect(docText(observer.doc)).not.toContain('ONLY-ALICE')
        // Her choice: publish anyway.
        expect((await alice.rpc.request('round.publishAnonymous', { roundId, notes: ['ONLY-ALICE'], alone: true })).published).toBe(1)
        await eventually(() => expect(noteTexts(observer.doc)).toContain('ONLY-ALICE'))
        // Someone back after the group's notes went out gets the same question.
        const carol = await join(boardId, 'Carol')
        await expect(carol.rpc.request('round.publishAnonymous', { roundId, notes: ['late'] })).rejects.toMatchObject({ code: 'alone' })
      })

      it('named reveal: places are claimed from the server and never overlap, also for a round that has since been replaced', async () => {
        const boardId = newBoardId()
        const alice = await join(boardId, 'Alice')
        const bob = await join(boardId, 'Bob')
        addNotes(alice, ['x'])
        const roundId = await startRound(alice, false)
        await expect(alice.rpc.request('round.claim', { roundId, count: 2 })).rejects.toThrow('not been revealed')
        await expect(
          bob.rpc.request('round.start', { prompt: '', durationMs: null, anonymous: true, pageId: 'page:page', anchor: { x: 0, y: 0 } }),
        ).rejects.toThrow('already running')
        await alice.rpc.request('round.reveal', { roundId })
        await eventually(() => expect(readRound(bob.doc)?.revealedAt).not.toBeNull())
        const [a, b] = await Promise.all([
          alice.rpc.request('round.claim', { roundId, count: 2 }),
          bob.rpc.request('round.claim', { roundId, count: 3 }),
        ])
        const places = [...Array.from({ length: 2 }, (_, i) => a.firstSlot + i), ...Array.from({ length: 3 }, (_, i) => b.firstSlot + i)]
        expect(places.sort()).toEqual([0, 1, 2, 3, 4])
        await expect(alice.rpc.request('round.publishAnonymous', { roundId, notes: ['x'] })).rejects.toThrow('with names')
        await expect(alice.rpc.request('round.claim', { roundId: 'no-such-round', count: 1 })).rejects.toThrow('no such silent round')
        // A new round; someone back with drafts from the first still gets places after the others'.
        const next = await startRound(bob, true)
        expect(next).not.toBe(roundId)
        const carol = await join(boardId, 'Carol')
        expect((await carol.rpc.request('round.claim', { roundId, count: 1 })).firstSlot).toBe(5)
      })

      it('a timeboxed round is revealed by the server’s clock, not by an eager device', async () => {
        const boardId = newBoardId()
        const alice = await join(boardId, 'Alice')
        addNotes(alice, ['x'])
        const roundId = await startRound(alice, false, 1000)
        await expect(alice.rpc.request('round.reveal', { roundId, onlyIfEnded: true })).rejects.toThrow('not ended yet')
        await new Promise((r) => setTimeout(r, 1100))
        await alice.rpc.request('round.reveal', { roundId, onlyIfEnded: true })
        await eventually(() => expect(readRound(alice.doc)?.revealedAt).not.toBeNull())
      })

      it('only the server writes the round and vote state: a forged write closes that connection (4409) and changes nothing', async () => {
        const boardId = newBoardId()
        const alice = await join(boardId, 'Alice')
        const notes = addNotes(alice, ['ship weekly'])
        const roundId = await startRound(alice, true)
        const { voteId } = await alice.rpc.request('vote.start', voteSettings(notes))
        await eventually(() => expect(votesMap(alice.doc).get(voteId)).toBeDefined())

        const forge = async (write: (doc: Y.Doc) => void) => {
          const mallory = await join(boardId, 'Mallory')
          const closed = new Promise<number>((r) => mallory.provider.once('connection-close', (e: CloseEvent | null) => r(e?.code ?? 0)))
          write(mallory.doc)
          return closed
        }
        // Flipping an anonymous round to named would make everyone publish under their own names.
        expect(
          await forge((d) => brainstormMap(d).set('round', { ...(brainstormMap(d).get('round') as RoundState), anonymous: false })),
        ).toBe(4409)
        expect(
          await forge((d) =>
            votesMap(d).set(voteId, { ...(votesMap(d).get(voteId) as VoteState), status: 'closed', totals: { [notes[0]]: 99 } }),
          ),
        ).toBe(4409)
        expect(await forge((d) => votesMap(d).delete(voteId))).toBe(4409)
        await new Promise((r) => setTimeout(r, 200))
        expect(readRound(alice.doc)?.anonymous).toBe(true)
        expect(readRound(alice.doc)?.roundId).toBe(roundId)
        expect((votesMap(alice.doc).get(voteId) as VoteState).status).toBe('open')
        const fresh = await join(boardId, 'Fresh')
        expect(readRound(fresh.doc)?.anonymous).toBe(true)
        expect((votesMap(fresh.doc).get(voteId) as VoteState).totals).toBeUndefined()
        // Closed results of a vote run elsewhere (an imported board) may be written.
        votesMap(alice.doc).set('imported-vote', { id: 'imported-vote', status: 'closed', shapeIds: notes, totals: { [notes[0]]: 2 } })
        await eventually(() => expect(votesMap(fresh.doc).get('imported-vote')).toBeDefined())
        expect(alice.provider.wsconnected).toBe(true)
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
        p.rpc.request('vote.cast', { voteId, ballotKey: ballotKey(p.secret, voteId), dots })
      const mine = async (p: Person, voteId: string) =>
        (await p.rpc.request('vote.mine', { voteId, ballotKey: ballotKey(p.secret, voteId) })).dots

      it('keeps ballots on the server: totals hidden while open, correct at close, nothing links a ballot to anyone', async () => {
        const { alice, bob, carol, observer, notes } = await setup()
        const [n1, n2, n3] = notes
        const { voteId } = await bob.rpc.request('vote.start', voteSettings(notes))
        await eventually(() => expect((votesMap(observer.doc).get(voteId) as VoteState)?.status).toBe('open'))

        expect((await cast(alice, voteId, { [n1]: 2, [n2]: 1 })).dots).toEqual({ [n1]: 2, [n2]: 1 })
        await cast(bob, voteId, { [n2]: 1 })
        await cast(carol, voteId, { [n3]: 3 })
        // Carol moves a dot: the ballot is replaced.
        await cast(carol, voteId, { [n3]: 2, [n1]: 1 })
        await eventually(() => expect((votesMap(observer.doc).get(voteId) as VoteState).voterCount).toBe(3))
        const whileOpen = votesMap(observer.doc).get(voteId) as VoteState
        expect(whileOpen.totals).toBeUndefined()
        expect(await mine(alice, voteId)).toEqual({
          [n1]: 2,
          [n2]: 1,
        })

        const { totals } = await carol.rpc.request('vote.close', { voteId })
        expect(totals).toEqual({ [n1]: 3, [n2]: 2, [n3]: 2 })
        await eventually(() => expect((votesMap(observer.doc).get(voteId) as VoteState).totals).toEqual(totals))
        expect((votesMap(alice.doc).get(voteId) as VoteState).status).toBe('closed')

        // Nothing the observer received or holds ties a ballot to a participant: no request or
        // reply reached it, and the doc never names a voter or holds a ballot.
        expect(observer.typesSeen().has(MESSAGE_REQUEST)).toBe(false)
        for (const p of [alice, bob, carol]) {
          expect(docText(observer.doc)).not.toContain(p.id)
          expect(observer.text()).not.toContain(p.secret)
        }
        const syncFrames = observer.frames.filter((f) => f[0] === MESSAGE_SYNC)
        for (const p of [alice, bob, carol]) for (const f of syncFrames) expect(f.includes(p.id)).toBe(false)
        // Every version of the vote the doc ever held has only these public fields.
        expect(Object.keys(whileOpen).sort()).toEqual([
          'allowMultiple',
          'ballotKeys',
          'endsAt',
          'id',
          'perPerson',
          'shapeIds',
          'showLive',
          'startedAt',
          'status',
          'voterCount',
        ])
      })

      it('refuses bad ballots with a clear error and changes no tally', async () => {
        const { alice, bob, notes, boardId } = await setup()
        const [n1, n2] = notes
        const { voteId } = await alice.rpc.request(
          'vote.start',
          voteSettings([n1, n2], { perPerson: 2, allowMultiple: false, showLive: true }),
        )
        await cast(alice, voteId, { [n1]: 1 })
        const live = () => (votesMap(bob.doc).get(voteId) as VoteState | undefined)?.totals
        await eventually(() => expect(live()).toEqual({ [n1]: 1, [n2]: 0 }))

        await expect(cast(bob, voteId, { [n1]: 1, [n2]: 1, [notes[2]]: 1 })).rejects.toThrow('not part of this vote')
        await expect(cast(bob, voteId, { [n1]: 2 })).rejects.toThrow('one dot per note')
        await expect(cast(bob, voteId, { [n1]: 1.5 })).rejects.toThrow('whole number')
        await expect(cast(bob, voteId, 'lots' as never)).rejects.toThrow('dots must be an object')
        await expect(bob.rpc.request('vote.cast', { voteId, ballotKey: bob.id, dots: { [n2]: 1 } })).rejects.toThrow(
          'ballotKey must be 64 hex digits',
        )
        await expect(bob.rpc.request('vote.cast', { voteId: 'nope', ballotKey: ballotKey(bob.secret, 'nope'), dots: {} })).rejects.toThrow(
          'no such vote',
        )
        await expect(bob.rpc.request('vote.start', voteSettings(['shape:missing']))).rejects.toThrow('not on this board')
        await expect(bob.rpc.request('vote.start', voteSettings([n1], { perPerson: 0 }))).rejects.toThrow('votes per person')
        await expect(bob.rpc.request('nonsense' as never, {} as never)).rejects.toThrow('unknown op')
        await expect(cast(alice, voteId, { [n1]: 1, [n2]: 1 })).resolves.toBeDefined()

        await alice.rpc.request('vote.close', { voteId })
        await expect(cast(bob, voteId, { [n2]: 1 })).rejects.toThrow('this vote is closed')
        await eventually(() => expect(live()).toEqual({ [n1]: 1, [n2]: 1 }))
        // Beyond the limit: one dot each in the next vote.
        const limited = await alice.rpc.request('vote.start', voteSettings([n1, n2], { perPerson: 1 }))
        await expect(cast(alice, limited.voteId, { [n1]: 1, [n2]: 1 })).rejects.toThrow('you have 1 dot; this ballot uses 2')

        // A malformed request frame closes only that connection, with a reason.
        const raw = new WebSocket(`${wsUrl()}/${boardId}`)
        await new Promise((r) => raw.once('open', r))
        const closed = new Promise<[number, string]>((r) => raw.once('close', (code, reason) => r([code, reason.toString()])))
        const bad = encoding.createEncoder()
        encoding.writeVarUint(bad, MESSAGE_REQUEST)
        encoding.writeVarString(bad, '{"op":"vote.cast"') // truncated JSON, no id
        raw.send(encoding.toUint8Array(bad))
        expect(await closed).toEqual([4400, 'malformed message'])
        const noId = new WebSocket(`${wsUrl()}/${boardId}`)
        await new Promise((r) => noId.once('open', r))
        const closedToo = new Promise<number>((r) => noId.once('close', (code) => r(code)))
        noId.send(encodeRequest({ op: 'vote.close', voteId }))
        expect(await closedToo).toBe(4400)
        // Everyone else is still connected.
        expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true)
      })

      it('one connection casts under one ballot key per vote, and a legacy participant id is proven by its secret', async () => {
        const { alice, bob, notes } = await setup()
        const { voteId } = await bob.rpc.request('vote.start', voteSettings(notes, { perPerson: 1, allowMultiple: false }))
        // Inventing identities on one connection does not stuff the ballot box.
        await expect(cast(bob, voteId, { [notes[1]]: 1 })).resolves.toBeDefined()
        await expect(
          bob.rpc.request('vote.cast', { voteId, ballotKey: ballotKey('made-up-secret', voteId), dots: { [notes[0]]: 1 } }),
        ).rejects.toThrow('already votes as another participant')
        // Alice's id is public (presence, attribution); without her secret nobody can claim a ballot kept under it.
        await expect(
          bob.rpc.request('vote.mine', {
            voteId,
            ballotKey: ballotKey(bob.secret, voteId),
            legacyVoter: { participantId: alice.id, secret: bob.secret },
          }),
        ).resolves.toBeDefined() // a vote with ballot keys ignores the proof
        expect((await cast(alice, voteId, { [notes[0]]: 1 })).dots).toEqual({ [notes[0]]: 1 })
        // A second vote cannot be opened over the first.
        await expect(alice.rpc.request('vote.start', voteSettings(notes))).rejects.toThrow('already open')
        expect((await alice.rpc.request('vote.close', { voteId })).totals).toEqual({ [notes[0]]: 1, [notes[1]]: 1, [notes[2]]: 0 })
      })

      it('stores no participant id with a ballot: the database holds opaque per-vote keys; tallies and changed ballots stay right', async () => {
        const { alice, bob, carol, notes, boardId } = await setup()
        const [n1, n2, n3] = notes
        const { voteId } = await alice.rpc.request('vote.start', voteSettings(notes))
        await cast(alice, voteId, { [n1]: 3 })
        await cast(bob, voteId, { [n2]: 1 })
        await cast(carol, voteId, { [n3]: 1 })
        // Alice changes her mind: her ballot is replaced, not added to.
        await cast(alice, voteId, { [n2]: 2 })
        expect(await mine(alice, voteId)).toEqual({ [n2]: 2 })
        const second = await alice.rpc.request('vote.close', { voteId }).then(() => alice.rpc.request('vote.start', voteSettings(notes)))
        await cast(alice, second.voteId, { [n1]: 1 })
        const stored = await storedBallots(boardId)
        expect(JSON.parse(stored)).toHaveLength(4)
        for (const p of [alice, bob, carol]) {
          expect(stored).not.toContain(p.id)
          expect(stored).not.toContain(p.secret)
        }
        // One person's keys differ from vote to vote, so even their ballots are not linked to each other.
        expect(ballotKey(alice.secret, voteId)).not.toBe(ballotKey(alice.secret, second.voteId))
        expect(stored).toContain(ballotKey(alice.secret, voteId))
        expect((await alice.rpc.request('vote.close', { voteId: second.voteId })).totals).toEqual({ [n1]: 1, [n2]: 0, [n3]: 0 })
        const first = votesMap(alice.doc).get(voteId) as VoteState
        expect(first.totals).toEqual({ [n1]: 0, [n2]: 3, [n3]: 1 })
      })

      it('ballots stored under participant ids (before ballot keys) still count, move to the voter’s key, and are forgotten once closed', async () => {
        const boardId = newBoardId()
        const [aliceSecret, bobSecret] = [newSecret('Alice'), newSecret('Bob')]
        const [aliceId, bobId] = [aliceSecret, bobSecret].map(participantIdFromSecret)
        const legacyVote = (id: string, status: 'open' | 'closed') =>
          ({
            id,
            shapeIds: ['shape:a', 'shape:b'],
            perPerson: 3,
            allowMultiple: true,
            showLive: false,
            startedAt: Date.now(),
            endsAt: null,
            status,
          }) as StoredVote
        await withBallotStore(async (store) => {
          await store.createVote(boardId, legacyVote('old-open', 'open'))
          await store.putBallot(boardId, 'old-open', aliceId, { 'shape:a': 2 })
          await store.putBallot(boardId, 'old-open', bobId, { 'shape:b': 1 })
          await store.createVote(boardId, { ...legacyVote('old-closed', 'closed'), totals: { 'shape:a': 1, 'shape:b': 0 } })
          await store.putBallot(boardId, 'old-closed', aliceId, { 'shape:a': 1 })
        })
        const alice = await join(boardId, 'Alice', aliceSecret)
        const bob = await join(boardId, 'Bob', bobSecret)
        const legacyVoter = (p: Person) => ({
          ballotKey: ballotKey(p.secret, 'old-open'),
          legacyVoter: { participantId: p.id, secret: p.secret },
        })
        // Loading the board forgot the closed vote's ballots; its totals stay.
        await eventually(async () => expect(await storedBallots(boardId)).not.toContain('old-closed'))
        expect((await withBallotStore(async (store) => store.getVote(boardId, 'old-closed')))?.totals).toEqual({
          'shape:a': 1,
          'shape:b': 0,
        })
        // Alice finds her old ballot by proving her id, and changing it replaces it.
        expect((await alice.rpc.request('vote.mine', { voteId: 'old-open', ...legacyVoter(alice) })).dots).toEqual({ 'shape:a': 2 })
        await expect(
          bob.rpc.request('vote.mine', {
            voteId: 'old-open',
            ballotKey: ballotKey(bob.secret, 'old-open'),
            legacyVoter: { participantId: alice.id, secret: bob.secret },
          }),
        ).rejects.toThrow('wrong secret')
        await alice.rpc.request('vote.cast', { voteId: 'old-open', ...legacyVoter(alice), dots: { 'shape:b': 3 } })
        expect(await storedBallots(boardId)).not.toContain(aliceId)
        expect((await alice.rpc.request('vote.mine', { voteId: 'old-open', ...legacyVoter(alice) })).dots).toEqual({ 'shape:b': 3 })
        // Bob never voted again: his ballot still counts, and is forgotten once the vote closes.
        expect((await alice.rpc.request('vote.close', { voteId: 'old-open' })).totals).toEqual({ 'shape:a': 0, 'shape:b': 4 })
        const stored = await storedBallots(boardId)
        expect(stored).not.toContain(bobId)
        expect(stored).toContain(ballotKey(alice.secret, 'old-open'))
      })

      it('a view-only link can watch but not vote, start, close or publish', async () => {
        const { alice, bob, notes, boardId, observer } = await setup()
        const { voteId } = await alice.rpc.request('vote.start', voteSettings(notes, { showLive: true }))
        await cast(alice, voteId, { [notes[0]]: 2 })
        const res = await fetch(`${servers[next++ % servers.length].url}/api/boards/${boardId}/view-link`)
        const { token } = (await res.json()) as { token: string }
        const viewer = connectClient(`${wsUrl()}/view`, token)
        const rpc = requestClient(viewer.provider)
        open.push({ destroy: () => (rpc.dispose(), viewer.destroy()) })
        await whenSynced(viewer)
        // It sees what is public: the vote and its live totals.
        await eventually(() =>
          expect((votesMap(viewer.doc).get(voteId) as VoteState).totals).toEqual({ [notes[0]]: 2, [notes[1]]: 0, [notes[2]]: 0 }),
        )
        const roundId = await startRound(alice, true)
        await alice.rpc.request('round.reveal', { roundId })
        await eventually(() => expect(readRound(viewer.doc)?.revealedAt).not.toBeNull())

        const me = { ballotKey: ballotKey('viewer-secret-long-enough', voteId) }
        const attempts: [string, Promise<unknown>][] = [
          ['cast', rpc.request('vote.cast', { voteId, ...me, dots: { [notes[1]]: 3 } })],
          ['start', rpc.request('vote.start', voteSettings(notes))],
          ['close', rpc.request('vote.close', { voteId })],
          ['claim', rpc.request('round.claim', { roundId, count: 3 })],
          ['publish', rpc.request('round.publishAnonymous', { roundId, notes: ['VIEWER-NOTE'], alone: true })],
          [
            'start round',
            rpc.request('round.start', { prompt: '', durationMs: null, anonymous: false, pageId: 'page:page', anchor: { x: 0, y: 0 } }),
          ],
          ['reveal', rpc.request('round.reveal', { roundId })],
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
        const second = requestClient(alice.provider)
        try {
          const { voteId } = await alice.rpc.request('vote.start', voteSettings(notes))
          const [a, b, c] = await Promise.all([
            cast(alice, voteId, { [notes[0]]: 1 }),
            second.request('vote.mine', { voteId, ballotKey: ballotKey(alice.secret, voteId) }),
            second.request('vote.close', { voteId: 'nope' }).catch((e: Error) => e.message),
          ])
          expect(a.dots).toEqual({ [notes[0]]: 1 })
          expect(b.dots).toBeDefined()
          expect(c).toBe('there is no such vote on this board')
          second.dispose()
          // The first client still hears its replies after the second is gone.
          expect(await mine(alice, voteId)).toEqual({
            [notes[0]]: 1,
          })
        } finally {
          second.dispose()
        }
      })

      it('timeboxed votes close themselves to new ballots', async () => {
        const { alice, notes } = await setup()
        const { voteId } = await alice.rpc.request('vote.start', voteSettings(notes, { durationMs: 1000 }))
        await cast(alice, voteId, { [notes[0]]: 1 })
        // A device whose clock runs ahead cannot end it early.
        await expect(alice.rpc.request('vote.close', { voteId, onlyIfEnded: true })).rejects.toThrow('the timebox has not ended yet')
        expect((votesMap(alice.doc).get(voteId) as VoteState).status).toBe('open')
        await new Promise((r) => setTimeout(r, 1100))
        await expect(cast(alice, voteId, { [notes[1]]: 1 })).rejects.toThrow('this vote is closed')
        await eventually(() =>
          expect((votesMap(alice.doc).get(voteId) as VoteState).totals).toEqual({ [notes[0]]: 1, [notes[1]]: 0, [notes[2]]: 0 }),
        )
      })

      it('ballots survive a server restart', async () => {
        const { alice, bob, notes, boardId } = await setup()
        const { voteId } = await alice.rpc.request('vote.start', voteSettings(notes))
        await cast(alice, voteId, { [notes[0]]: 3 })
        await cast(bob, voteId, { [notes[1]]: 1 })
        const ports = servers.map((s) => s.port)
        for (const s of servers) expect(await s.stop('SIGTERM')).toBe(0)
        servers = await startServers(servers.length, ports)
        await eventually(() => expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true), 15_000)
        expect(await mine(alice, voteId)).toEqual({
          [notes[0]]: 3,
        })
        expect(await mine(bob, voteId)).toEqual({ [notes[1]]: 1 })
        const { totals } = await bob.rpc.request('vote.close', { voteId })
        expect(totals).toEqual({ [notes[0]]: 3, [notes[1]]: 1, [notes[2]]: 0 })
        const fresh = await join(boardId, 'Dave')
        expect((votesMap(fresh.doc).get(voteId) as VoteState).totals).toEqual(totals)
      })
    })
  })
}
