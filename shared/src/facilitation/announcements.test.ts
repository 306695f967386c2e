import { describe, expect, it } from 'vitest'
import { announcements, type AnnouncedFacts } from './announcements.ts'

const quiet: AnnouncedFacts = { holder: undefined, called: undefined, timeUp: false, round: undefined, closedVotes: [] }
const ana = { id: 'p-ana', name: 'Ana' }
const bo = { id: 'p-bo', name: 'Bo' }
const say = (before: Partial<AnnouncedFacts>, after: Partial<AnnouncedFacts>, me = ana.id) =>
  announcements({ ...quiet, ...before }, { ...quiet, ...after }, me)

describe('announcements', () => {
  it('says nothing when nothing that matters changed', () => {
    const facts = {
      holder: ana,
      called: { turn: 2, ...bo, passed: false },
      timeUp: true,
      round: { id: 'r', revealed: true },
      closedVotes: ['v'],
    }
    expect(say(facts, facts)).toEqual([])
    expect(say({}, {})).toEqual([])
  })

  it('reads out who holds the baton, in the listener’s words', () => {
    expect(say({ holder: ana }, { holder: bo })).toEqual(['Bo now holds the baton.'])
    expect(say({ holder: bo }, { holder: ana })).toEqual(['You now hold the baton.'])
    expect(say({ holder: bo }, {})).toEqual(['The baton is free: nobody is facilitating.'])
  })

  it('reads out a new call and a pass, not the same call again', () => {
    expect(say({}, { called: { turn: 1, ...bo, passed: false } })).toEqual(['Bo’s turn.'])
    expect(say({}, { called: { turn: 1, ...ana, passed: false } })).toEqual(['Your turn.'])
    expect(say({ called: { turn: 1, ...bo, passed: false } }, { called: { turn: 1, ...bo, passed: true } })).toEqual(['Bo passed.'])
    expect(say({ called: { turn: 1, ...bo, passed: true } }, { called: { turn: 1, ...bo, passed: true } })).toEqual([])
  })

  it('reads out the timer reaching zero once, with its label', () => {
    expect(say({ timeUp: false }, { timeUp: true })).toEqual(['Time’s up.'])
    expect(say({ timeUp: false }, { timeUp: true, timerLabel: 'Ideas' })).toEqual(['Time’s up: Ideas.'])
    expect(say({ timeUp: true }, { timeUp: false })).toEqual([])
  })

  it('reads out a reveal of the silent round and a vote closing', () => {
    expect(say({ round: { id: 'r', revealed: false } }, { round: { id: 'r', revealed: true } })).toEqual([
      'The silent round is revealed: everyone’s notes are on the board.',
    ])
    // A new round that is already revealed (its reveal arrived with it) is still news.
    expect(say({ round: { id: 'r', revealed: true } }, { round: { id: 's', revealed: true } })).toHaveLength(1)
    expect(say({ closedVotes: ['v1'] }, { closedVotes: ['v1', 'v2'] })).toEqual(['The dot vote is closed: the results are on the notes.'])
  })

  it('reads several changes in one go, baton first', () => {
    expect(say({ holder: ana }, { holder: bo, timeUp: true })).toEqual(['Bo now holds the baton.', 'Time’s up.'])
  })
})
