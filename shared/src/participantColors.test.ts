import { describe, expect, it } from 'vitest'
import { colorsTaken, leastUsedColor, PARTICIPANT_COLORS } from './participantColors.ts'

const [red, orange, yellow] = PARTICIPANT_COLORS

describe('colorsTaken', () => {
  it('lists who holds each colour, once per person, never myself, case-insensitively', () => {
    const taken = colorsTaken(
      [
        { id: 'ana', name: 'Ana', color: red.toUpperCase() },
        { id: 'ben', name: 'Ben', color: red },
        { id: 'ana', name: 'Ana', color: red }, // also here now
        { id: 'me', name: 'Me', color: orange },
      ],
      'me',
    )
    expect([...taken]).toEqual([[red, ['Ana', 'Ben']]])
  })
})

describe('leastUsedColor', () => {
  it('picks a colour nobody holds while there is one', () => {
    const taken = colorsTaken(
      PARTICIPANT_COLORS.slice(0, -1).map((color, i) => ({ id: `p${i}`, name: `P${i}`, color })),
      'me',
    )
    for (const seed of ['a', 'b', 'c', 'newcomer']) expect(leastUsedColor(taken, seed)).toBe(PARTICIPANT_COLORS.at(-1))
  })

  it('when every colour is taken, picks among the least used', () => {
    const people = PARTICIPANT_COLORS.map((color, i) => ({ id: `p${i}`, name: `P${i}`, color }))
    people.push({ id: 'x', name: 'X', color: red }, { id: 'y', name: 'Y', color: yellow })
    const taken = colorsTaken(people, 'me')
    for (const seed of ['a', 'b', 'c', 'd', 'e', 'f']) expect([red, yellow]).not.toContain(leastUsedColor(taken, seed))
  })

  it('is the same for the same person, and spreads people arriving together on an empty board', () => {
    expect(leastUsedColor(new Map(), 'same')).toBe(leastUsedColor(new Map(), 'same'))
    const picks = new Set(Array.from({ length: 40 }, (_, i) => leastUsedColor(new Map(), `person-${i}`)))
    expect(picks.size).toBeGreaterThan(4)
  })

  it('gives three people joining one after another three different colours', () => {
    const people: { id: string; name: string; color: string }[] = []
    for (const id of ['bea', 'cy', 'dee']) people.push({ id, name: id, color: leastUsedColor(colorsTaken(people, id), id) })
    expect(new Set(people.map((p) => p.color)).size).toBe(3)
  })
})
