/**
 * What every implementation of the storage interfaces must do, as vitest cases. Each test file
 * calls these inside its own describe with a factory for its backend (SQLite in
 * tests/unit/storeContract.test.ts, PostgreSQL in tests/integration/postgresStores.test.ts).
 * Every call is awaited, so a synchronous store and a Promise-answering one run the same cases.
 */
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import type { BoardStorage, RowRef } from '../../server/src/storage/boards.ts'
import type { SnapshotStorage } from '../../server/src/storage/snapshots.ts'
import type { BallotStore, StoredVote } from '../../server/src/storage/ballots.ts'
import type { MaybeAsync } from '../../server/src/storage/maybeAsync.ts'
import { checksum } from '../../server/src/storage/checksum.ts'

export interface BoardStoreFixture {
  store: MaybeAsync<BoardStorage>
  /** Changes a stored row's bytes behind the store's back, leaving its checksum (bit rot). */
  corrupt(boardId: string, row: RowRef): unknown
  /** What corrupt_rows holds for the board, oldest first. */
  movedAside(boardId: string): Promise<MovedAside[]>
}

/** A corrupt_rows row as an operator inspects it: `intact` when its bytes still match its checksum. */
export type MovedAside = { table: string; seq: number | null; reason: string | null; intact: boolean }
/** A corrupt_rows row as either database returns it (PostgreSQL's bigints as strings). */
export type MovedRow = {
  table: string
  seq: number | string | null
  reason: string | null
  data: Uint8Array
  state_vector: Uint8Array | null
  crc: number | string | null
}

export function movedRow(r: MovedRow): MovedAside {
  const intact = r.crc === null || checksum(r.data, r.state_vector) === Number(r.crc)
  return { table: r.table, seq: r.seq === null ? null : Number(r.seq), reason: r.reason, intact }
}

type Fixture<T> = () => Promise<T>

/** A board id no other case uses (the stores of one file may share a database). */
const board = () => `board-${Math.random().toString(36).slice(2, 14)}`

function edit(doc: Y.Doc, key: string, value: number): Uint8Array {
  let update: Uint8Array | undefined
  const capture = (u: Uint8Array) => (update = u)
  doc.on('update', capture)
  doc.getMap('m').set(key, value)
  doc.off('update', capture)
  return update!
}

function replay(stored: { state: Uint8Array | undefined; updates: Uint8Array[] }): Record<string, unknown> {
  const doc = new Y.Doc()
  if (stored.state) Y.applyUpdate(doc, stored.state)
  for (const u of stored.updates) Y.applyUpdate(doc, u)
  return doc.getMap('m').toJSON()
}

const same = (a: Uint8Array | undefined) => (a ? Array.from(a) : a)

export function boardStorageContract(open: Fixture<BoardStoreFixture>): void {
  it('loads an unknown board as empty', async () => {
    const { store } = await open()
    expect(await store.load(board())).toEqual({ state: undefined, updates: [], updateSeqs: [], corrupt: [] })
  })

  it('round-trips appended updates in order, with increasing row numbers', async () => {
    const { store } = await open()
    const id = board()
    const doc = new Y.Doc()
    const written = [edit(doc, 'a', 1), edit(doc, 'b', 2), edit(doc, 'a', 3)]
    for (const u of written) await store.appendUpdate(id, u)
    const loaded = await store.load(id)
    expect(loaded.updates.map(same)).toEqual(written.map(same))
    expect(loaded.updateSeqs).toHaveLength(3)
    expect([...loaded.updateSeqs].sort((x, y) => x - y)).toEqual(loaded.updateSeqs)
    expect(new Set(loaded.updateSeqs).size).toBe(3)
    expect(replay(loaded)).toEqual({ a: 3, b: 2 })
    expect(store.writesFailing()).toBe(false)
  })

  it('compacts: the state replaces the log, later updates follow it', async () => {
    const { store } = await open()
    const id = board()
    const doc = new Y.Doc()
    await store.appendUpdate(id, edit(doc, 'a', 1))
    await store.appendUpdate(id, edit(doc, 'b', 2))
    await store.compact(id, Y.encodeStateAsUpdate(doc))
    let loaded = await store.load(id)
    expect(loaded.updates).toEqual([])
    expect(replay(loaded)).toEqual({ a: 1, b: 2 })
    await store.appendUpdate(id, edit(doc, 'c', 3))
    await store.compact(id, Y.encodeStateAsUpdate(doc))
    await store.appendUpdate(id, edit(doc, 'd', 4))
    loaded = await store.load(id)
    expect(loaded.updates).toHaveLength(1)
    expect(replay(loaded)).toEqual({ a: 1, b: 2, c: 3, d: 4 })
  })

  it('keeps the state vector stored with a compacted state, and only while no update follows it', async () => {
    const { store } = await open()
    const id = board()
    const doc = new Y.Doc()
    await store.appendUpdate(id, edit(doc, 'a', 1))
    await store.compact(id, Y.encodeStateAsUpdate(doc), Y.encodeStateVector(doc))
    let loaded = await store.load(id)
    expect(same(loaded.stateVector)).toEqual(same(Y.encodeStateVector(doc)))
    expect(loaded.corrupt).toEqual([])
    await store.appendUpdate(id, edit(doc, 'b', 2))
    // Still the state's own vector; the update after it is the caller's to account for.
    loaded = await store.load(id)
    expect(loaded.updates).toHaveLength(1)
    // A state compacted without one (as before state vectors were kept) has none.
    await store.compact(id, Y.encodeStateAsUpdate(doc))
    loaded = await store.load(id)
    expect(loaded.stateVector).toBeUndefined()
    expect(replay(loaded)).toEqual({ a: 1, b: 2 })
  })

  it('detects a corrupted update by its checksum, moves it aside once, and compaction keeps it', async () => {
    const f = await open()
    const id = board()
    const doc = new Y.Doc()
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      await f.store.appendUpdate(id, edit(doc, k, v))
    const { updateSeqs } = await f.store.load(id)
    await f.corrupt(id, { table: 'board_updates', seq: updateSeqs[1] })

    const loaded = await f.store.load(id)
    expect(loaded.updateSeqs).toEqual([updateSeqs[0], updateSeqs[2]])
    expect(loaded.corrupt).toEqual([{ table: 'board_updates', seq: updateSeqs[1], bytes: expect.any(Number) }])
    expect((await f.store.load(id)).corrupt).toEqual([])
    await f.store.compact(id, Y.encodeStateAsUpdate(doc))
    expect(await f.movedAside(id)).toEqual([{ table: 'board_updates', seq: updateSeqs[1], reason: 'checksum', intact: false }])
  })

  it('detects a corrupted state and loads the log without it', async () => {
    const f = await open()
    const id = board()
    const doc = new Y.Doc()
    await f.store.appendUpdate(id, edit(doc, 'a', 1))
    await f.store.compact(id, Y.encodeStateAsUpdate(doc), Y.encodeStateVector(doc))
    await f.store.appendUpdate(id, edit(doc, 'b', 2))
    await f.corrupt(id, { table: 'board_state', seq: null })

    const loaded = await f.store.load(id)
    expect(loaded.state).toBeUndefined()
    expect(loaded.stateVector).toBeUndefined()
    expect(loaded.updates).toHaveLength(1)
    expect(loaded.corrupt).toEqual([{ table: 'board_state', seq: null, bytes: expect.any(Number) }])
    expect(await f.movedAside(id)).toEqual([{ table: 'board_state', seq: null, reason: 'checksum', intact: false }])
  })

  it('moves rows aside on request, with the reason and what their checksums cover, so they can be checked again', async () => {
    const f = await open()
    const id = board()
    const doc = new Y.Doc()
    await f.store.appendUpdate(id, edit(doc, 'a', 1))
    await f.store.compact(id, Y.encodeStateAsUpdate(doc), Y.encodeStateVector(doc))
    await f.store.appendUpdate(id, edit(doc, 'b', 2))
    await f.store.appendUpdate(id, edit(doc, 'c', 3))
    const { updateSeqs } = await f.store.load(id)
    await f.store.moveAside(
      id,
      [
        { table: 'board_state', seq: null },
        { table: 'board_updates', seq: updateSeqs[0] },
      ],
      'undecodable',
    )
    const loaded = await f.store.load(id)
    expect(loaded.state).toBeUndefined()
    expect(loaded.updateSeqs).toEqual([updateSeqs[1]])
    expect(loaded.corrupt).toEqual([])
    const moved = await f.movedAside(id)
    expect(moved).toHaveLength(2)
    expect(moved).toEqual(
      expect.arrayContaining([
        { table: 'board_state', seq: null, reason: 'undecodable', intact: true },
        { table: 'board_updates', seq: updateSeqs[0], reason: 'undecodable', intact: true },
      ]),
    )
  })

  it('remembers view tokens idempotently (the first board stays)', async () => {
    const { store } = await open()
    const [id, other] = [board(), board()]
    const token = `tok-${id}`
    await store.saveViewToken(token, id)
    await store.saveViewToken(token, id)
    await store.saveViewToken(token, other)
    expect(await store.boardForViewToken(token)).toBe(id)
    expect(await store.boardForViewToken(`tok-${other}`)).toBeUndefined()
  })

  it('answers readiness: reachable, writes not failing, a probe write works', async () => {
    const { store } = await open()
    expect(await store.isReachable()).toBe(true)
    await store.probeWrite()
    await store.probeWrite()
    expect(store.writesFailing()).toBe(false)
  })
}

export function snapshotStorageContract(open: Fixture<MaybeAsync<SnapshotStorage>>): void {
  const state = (n: number) => new Uint8Array([n, 0, 0])

  it('adds and gets a snapshot, only on its own board', async () => {
    const store = await open()
    const id = board()
    const added = await store.add(id, { name: 'agreed', kind: 'named', createdBy: 'Ann', state: new Uint8Array([1, 2, 3, 4]) })
    expect(added).toMatchObject({ boardId: id, name: 'agreed', kind: 'named', createdBy: 'Ann', bytes: 4 })
    expect(added.createdAt).toBeGreaterThan(Date.now() - 60_000)
    const auto = await store.add(id, { name: 'Automatic', kind: 'auto', state: state(1) })
    expect(auto).not.toHaveProperty('createdBy')
    const got = await store.get(id, added.id)
    expect(got).toEqual({ ...added, state: new Uint8Array([1, 2, 3, 4]) })
    expect(got!.state).toBeInstanceOf(Uint8Array)
    expect(await store.get(board(), added.id)).toBeUndefined()
    expect(await store.get(id, 'nope')).toBeUndefined()
  })

  it('lists newest first and pages with a `before` cursor', async () => {
    const store = await open()
    const id = board()
    const added = []
    for (let n = 0; n < 5; n++) added.push(await store.add(id, { name: `s${n}`, kind: 'named', state: state(n) }))
    const names = (list: { name: string }[] | undefined) => list?.map((s) => s.name)
    expect(names(await store.list(id))).toEqual(['s4', 's3', 's2', 's1', 's0'])
    expect(names(await store.list(id, { limit: 2 }))).toEqual(['s4', 's3'])
    expect(names(await store.list(id, { limit: 2, before: added[3].id }))).toEqual(['s2', 's1'])
    expect(names(await store.list(id, { limit: 2, before: added[1].id }))).toEqual(['s0'])
    expect(names(await store.list(id, { limit: 2, before: added[0].id }))).toEqual([])
    expect(await store.list(id, { limit: 2, before: 'not-a-snapshot' })).toBeUndefined()
    const elsewhere = await store.add(board(), { name: 'other', kind: 'named', state: state(9) })
    expect(await store.list(id, { limit: 2, before: elsewhere.id })).toBeUndefined()
    expect(await store.list(board())).toEqual([])
  })

  it('counts kept snapshots and prunes only automatic ones, newest kept', async () => {
    const store = await open()
    const id = board()
    await store.add(id, { name: 'named', kind: 'named', state: state(0) })
    for (let n = 0; n < 4; n++) await store.add(id, { name: `auto${n}`, kind: 'auto', state: state(n) })
    await store.add(id, { name: 'Before restoring', kind: 'before-restore', state: state(9) })
    const other = board()
    await store.add(other, { name: 'auto', kind: 'auto', state: state(0) })
    expect(await store.countKept(id)).toBe(2)

    await store.pruneAutomatic(id, 2)
    expect((await store.list(id))!.map((s) => s.name)).toEqual(['Before restoring', 'auto3', 'auto2', 'named'])
    await store.pruneAutomatic(id, 0)
    expect((await store.list(id))!.map((s) => s.name)).toEqual(['Before restoring', 'named'])
    expect(await store.countKept(id)).toBe(2)
    expect(await store.list(other)).toHaveLength(1)
  })
}

export function ballotStoreContract(open: Fixture<MaybeAsync<BallotStore>>): void {
  const vote = { id: 'vote-1', status: 'open', shapeIds: ['shape:a', 'shape:b'] } as unknown as StoredVote

  it('keeps votes and ballots; an empty ballot removes one; closing records the totals', async () => {
    const store = await open()
    const id = board()
    await store.createVote(id, vote)
    expect(await store.getVote(id, vote.id)).toEqual(vote)
    expect(await store.getVote(board(), vote.id)).toBeUndefined()
    await store.putBallot(id, vote.id, 'ann', { 'shape:a': 2 })
    await store.putBallot(id, vote.id, 'bob', { 'shape:b': 1 })
    await store.putBallot(id, vote.id, 'ann', { 'shape:b': 3 })
    expect(await store.getBallot(id, vote.id, 'ann')).toEqual({ 'shape:b': 3 })
    expect(await store.ballots(id, vote.id)).toEqual(expect.arrayContaining([{ 'shape:b': 3 }, { 'shape:b': 1 }]))
    expect(await store.ballots(id, vote.id)).toHaveLength(2)
    await store.putBallot(id, vote.id, 'bob', {})
    expect(await store.getBallot(id, vote.id, 'bob')).toEqual({})
    expect(await store.ballots(id, vote.id)).toEqual([{ 'shape:b': 3 }])
    await store.closeVote(id, vote.id, 1234, { 'shape:b': 3 })
    expect(await store.getVote(id, vote.id)).toEqual({ ...vote, status: 'closed', closedAt: 1234, totals: { 'shape:b': 3 } })
  })

  it('forgets ballots kept under participant ids once their vote is closed, and only those', async () => {
    const store = await open()
    const id = board()
    const key = 'a'.repeat(64)
    const participantId = 'b'.repeat(24)
    await store.createVote(id, vote)
    await store.createVote(id, { ...vote, id: 'vote-2' })
    for (const v of [vote.id, 'vote-2']) {
      await store.putBallot(id, v, key, { 'shape:a': 1 })
      await store.putBallot(id, v, participantId, { 'shape:b': 1 })
    }
    await store.closeVote(id, vote.id, 1, { 'shape:a': 1, 'shape:b': 1 })
    await store.forgetLegacyBallots(id)
    expect(await store.ballots(id, vote.id)).toEqual([{ 'shape:a': 1 }])
    // The open vote still counts both forms.
    expect(await store.ballots(id, 'vote-2')).toHaveLength(2)
    expect(await store.getVote(id, vote.id)).toMatchObject({ totals: { 'shape:a': 1, 'shape:b': 1 } })
  })

  it('lists the votes run on a board, and only those', async () => {
    const store = await open()
    const id = board()
    expect(await store.voteIds(id)).toEqual([])
    await store.createVote(id, vote)
    await store.createVote(id, { ...vote, id: 'vote-2' })
    await store.createVote(board(), { ...vote, id: 'vote-3' })
    expect((await store.voteIds(id)).sort()).toEqual(['vote-1', 'vote-2'])
  })

  it('answers for what does not exist without failing', async () => {
    const store = await open()
    const id = board()
    expect(await store.getBallot(id, 'none', 'ann')).toEqual({})
    expect(await store.ballots(id, 'none')).toEqual([])
    await store.closeVote(id, 'none', 1, {})
    expect(await store.getVote(id, 'none')).toBeUndefined()
    await store.putBallot(id, 'none', 'ann', {})
  })

  it('refuses a second vote with the same id on a board', async () => {
    const store = await open()
    const id = board()
    await store.createVote(id, vote)
    await expect(async () => store.createVote(id, vote)).rejects.toThrow()
  })
}
