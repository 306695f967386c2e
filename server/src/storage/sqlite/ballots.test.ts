import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { SqliteBallotStore } from './ballots.ts'
import type { StoredVote } from '../ballots.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function ballotStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-ballots-'))
  dirs.push(dir)
  return { dir, store: new SqliteBallotStore(dir) }
}

const BOARD = 'board-aaaaaaaaaaaaaaaa'
const vote = { id: 'vote-1', status: 'open', shapeIds: ['shape:a', 'shape:b'] } as unknown as StoredVote

describe('SqliteBallotStore', () => {
  it('keeps votes and ballots; an empty ballot removes one', () => {
    const { store } = ballotStore()
    store.createVote(BOARD, vote)
    expect(store.getVote(BOARD, vote.id)).toEqual(vote)
    store.putBallot(BOARD, vote.id, 'ann', { 'shape:a': 2 })
    store.putBallot(BOARD, vote.id, 'bob', { 'shape:b': 1 })
    store.putBallot(BOARD, vote.id, 'ann', { 'shape:b': 3 })
    expect(store.getBallot(BOARD, vote.id, 'ann')).toEqual({ 'shape:b': 3 })
    expect(store.ballots(BOARD, vote.id)).toHaveLength(2)
    store.putBallot(BOARD, vote.id, 'bob', {})
    expect(store.getBallot(BOARD, vote.id, 'bob')).toEqual({})
    store.closeVote(BOARD, vote.id, 1234, { 'shape:b': 3 })
    expect(store.getVote(BOARD, vote.id)).toMatchObject({ status: 'closed', closedAt: 1234, totals: { 'shape:b': 3 } })
    store.close()
  })

  it('fails a write within a fraction of a second when another process holds the write lock, and works again after', () => {
    const { dir, store } = ballotStore()
    store.createVote(BOARD, vote)

    const other = new Database(path.join(dir, 'ballots.sqlite'))
    other.exec('BEGIN IMMEDIATE')
    const started = performance.now()
    // Waiting here would freeze every board on the server, not only this vote.
    expect(() => store.putBallot(BOARD, vote.id, 'ann', { 'shape:a': 1 })).toThrow(/locked|busy/i)
    expect(performance.now() - started).toBeLessThan(1000)
    // Reads do not wait for the writer (WAL).
    expect(store.getVote(BOARD, vote.id)).toEqual(vote)

    other.exec('ROLLBACK')
    other.close()
    store.putBallot(BOARD, vote.id, 'ann', { 'shape:a': 1 })
    expect(store.getBallot(BOARD, vote.id, 'ann')).toEqual({ 'shape:a': 1 })
    store.close()
  })
})
