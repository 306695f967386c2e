import { describe, expect, it, vi } from 'vitest'
import { activityOf, isFresh, isIdle, participantsFrom, readReaction, readSummon } from './signals.ts'

describe('awareness signals', () => {
  it('lists each participant once, sorted by name', () => {
    const list = participantsFrom([
      [7, { user: { id: 'b', name: 'Bea', color: '#111' } }],
      [3, { user: { id: 'a', name: 'Ann', color: '#222' } }],
      [2, { user: { id: 'b', name: 'Bea', color: '#111' } }], // Bea's second tab
      [9, { presence: {} }], // no user yet
      [4, { user: { id: 5 } }],
    ])
    expect(list.map((p) => [p.user.name, p.clientId])).toEqual([
      ['Ann', 3],
      ['Bea', 2],
    ])
  })

  it('acts only on fresh summons and reactions', () => {
    expect(isFresh({ at: 1000 }, 5000)).toBe(true)
    expect(isFresh({ at: 1000 }, 20_000)).toBe(false)
    expect(isFresh(undefined, 0)).toBe(false)
  })

  it('validates summons and reactions from peers', () => {
    const summon = { id: 's', at: 1, pageId: 'page:p', bounds: { x: 0, y: 0, w: 100, h: 50 } }
    expect(readSummon(summon)).toEqual(summon)
    expect(readSummon({ ...summon, bounds: { x: 0, y: 0, w: 0, h: 50 } })).toBeUndefined()
    expect(readSummon({ ...summon, bounds: { x: 'a', y: 0, w: 1, h: 1 } })).toBeUndefined()
    const reaction = { id: 'r', emoji: '🎉', at: 1, x: 5, y: 6, pageId: 'page:p' }
    expect(readReaction(reaction)).toEqual(reaction)
    expect(readReaction({ ...reaction, emoji: '<img src=x>' })).toBeUndefined()
  })

  it('marks people idle after a quiet minute', () => {
    expect(isIdle(0, 59_000)).toBe(false)
    expect(isIdle(0, 61_000)).toBe(true)
    expect(isIdle(undefined, 0)).toBe(true)
  })

  it('never calls someone idle in a silent round, where their cursor is not shared', () => {
    expect(activityOf(0, 61_000, false)).toBe('idle')
    expect(activityOf(0, 61_000, true)).toBe('writing')
    expect(activityOf(0, 1_000, false)).toBe('active')
  })

  it('judges idleness by the server time it is given, not the device clock', () => {
    vi.useFakeTimers({ now: 7 * 60_000 })
    try {
      expect(isIdle(1_000, 30_000)).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })
})
