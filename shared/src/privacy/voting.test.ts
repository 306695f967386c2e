import { describe, expect, it } from 'vitest'
import { isVoteOpen, rankResults, tally, validateBallot, validateVoteStart } from './voting.ts'

const vote = { shapeIds: ['shape:a', 'shape:b', 'shape:c'], perPerson: 3, allowMultiple: true }

describe('validateBallot', () => {
  it('accepts dots within the limit and drops zeros', () => {
    expect(validateBallot(vote, { 'shape:a': 2, 'shape:b': 1, 'shape:c': 0 })).toEqual({ ok: true, value: { 'shape:a': 2, 'shape:b': 1 } })
    expect(validateBallot(vote, {})).toEqual({ ok: true, value: {} })
  })
  it('refuses more dots than a person has', () => {
    const r = validateBallot(vote, { 'shape:a': 2, 'shape:b': 2 })
    expect(r).toEqual({ ok: false, error: 'you have 3 dots; this ballot uses 4' })
  })
  it('refuses a note outside the vote', () => {
    expect(validateBallot(vote, { 'shape:zzz': 1 })).toEqual({ ok: false, error: 'note shape:zzz is not part of this vote' })
  })
  it('refuses several dots on one note when the vote allows one', () => {
    expect(validateBallot({ ...vote, allowMultiple: false }, { 'shape:a': 2 }).ok).toBe(false)
    expect(validateBallot({ ...vote, allowMultiple: false }, { 'shape:a': 1, 'shape:b': 1 }).ok).toBe(true)
  })
  it('refuses malformed counts and shapes', () => {
    for (const bad of [null, [], 'x', { 'shape:a': -1 }, { 'shape:a': 1.5 }, { 'shape:a': '1' }]) {
      expect(validateBallot(vote, bad).ok, JSON.stringify(bad)).toBe(false)
    }
  })
})

describe('validateVoteStart', () => {
  const good = { shapeIds: ['shape:a'], perPerson: 3, allowMultiple: true, showLive: false, durationMs: null }
  it('accepts sensible settings', () => {
    expect(validateVoteStart(good)).toEqual({ ok: true, value: good })
    expect(validateVoteStart({ ...good, durationMs: 60_000 }).ok).toBe(true)
  })
  it('refuses empty, repeated or odd notes and silly limits', () => {
    for (const bad of [
      { ...good, shapeIds: [] },
      { ...good, shapeIds: ['shape:a', 'shape:a'] },
      { ...good, shapeIds: ['page:x'] },
      { ...good, perPerson: 0 },
      { ...good, perPerson: 2.5 },
      { ...good, durationMs: 5 },
      { ...good, showLive: 'yes' },
    ])
      expect(validateVoteStart(bad).ok, JSON.stringify(bad)).toBe(false)
  })
})

describe('tally and ranking', () => {
  it('sums ballots and lists every note', () => {
    const totals = tally(vote.shapeIds, [{ 'shape:a': 2, 'shape:b': 1 }, { 'shape:b': 3 }, { 'shape:gone': 5 }])
    expect(totals).toEqual({ 'shape:a': 2, 'shape:b': 4, 'shape:c': 0 })
  })
  it('ranks most votes first, ties share a rank and keep their order', () => {
    const ranked = rankResults(['shape:a', 'shape:b', 'shape:c', 'shape:d'], { 'shape:a': 2, 'shape:b': 4, 'shape:c': 2, 'shape:d': 0 })
    expect(ranked).toEqual([
      { shapeId: 'shape:b', votes: 4, rank: 1 },
      { shapeId: 'shape:a', votes: 2, rank: 2 },
      { shapeId: 'shape:c', votes: 2, rank: 2 },
      { shapeId: 'shape:d', votes: 0, rank: 4 },
    ])
  })
  it('knows when a vote is open', () => {
    expect(isVoteOpen({ status: 'open', endsAt: null }, 5)).toBe(true)
    expect(isVoteOpen({ status: 'open', endsAt: 10 }, 9)).toBe(true)
    expect(isVoteOpen({ status: 'open', endsAt: 10 }, 10)).toBe(false)
    expect(isVoteOpen({ status: 'closed', endsAt: null }, 0)).toBe(false)
  })
})
