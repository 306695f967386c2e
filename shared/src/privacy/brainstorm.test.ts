import { describe, expect, it } from 'vitest'
import { createShapeId, createTLStore, defaultBindingUtils, defaultShapeUtils, PageRecordType, type TLRecord } from 'tldraw'
import {
  draftCountsByParticipant,
  indexKeysAbove,
  noteRecord,
  presenceWithheld,
  REVEAL_NOTE_SIZE,
  revealAnchor,
  revealArea,
  revealSlotPosition,
  type RoundState,
} from './brainstorm.ts'

describe('reveal layout', () => {
  it('gives distinct places that never overlap', () => {
    const anchor = { x: -100, y: 40 }
    const places = Array.from({ length: 40 }, (_, i) => revealSlotPosition(anchor, i))
    for (let i = 0; i < places.length; i++)
      for (let j = i + 1; j < places.length; j++) {
        const [a, b] = [places[i], places[j]]
        const overlap = Math.abs(a.x - b.x) < REVEAL_NOTE_SIZE && Math.abs(a.y - b.y) < REVEAL_NOTE_SIZE
        expect(overlap, `slot ${i} overlaps slot ${j}`).toBe(false)
      }
    expect(places[0]).toEqual(anchor)
  })
  it('knows the area the used places cover', () => {
    const anchor = { x: 10, y: 20 }
    for (const used of [1, 5, 6, 7, 13]) {
      const area = revealArea(anchor, used)
      for (let i = 0; i < used; i++) {
        const p = revealSlotPosition(anchor, i)
        expect(p.x >= area.x && p.x + REVEAL_NOTE_SIZE <= area.x + area.w, `slot ${i} of ${used} (x)`).toBe(true)
        expect(p.y >= area.y && p.y + REVEAL_NOTE_SIZE <= area.y + area.h, `slot ${i} of ${used} (y)`).toBe(true)
      }
    }
    expect(revealArea(anchor, 2).w).toBe(2 * REVEAL_NOTE_SIZE + 30)
  })
  it('starts below what the page already holds', () => {
    expect(revealAnchor({ minX: 10, maxY: 500 }, { x: 0, y: 0 })).toEqual({ x: 10, y: 620 })
    expect(revealAnchor(undefined, { x: 700, y: 300 }).y).toBe(300)
  })
})

describe('indexKeysAbove', () => {
  it('makes distinct keys above the highest, in order for the first 61', () => {
    const keys = indexKeysAbove('a5', 200)
    expect(new Set(keys).size).toBe(200)
    for (const k of keys) expect(k > 'a5').toBe(true)
    const first = keys.slice(0, 61)
    expect([...first].sort()).toEqual(first)
    for (const k of keys) expect(k.endsWith('0')).toBe(false)
  })
})

describe('noteRecord', () => {
  it('builds notes the real tldraw schema accepts, with long indices too', () => {
    const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })
    const page = PageRecordType.createId('p')
    store.put([PageRecordType.create({ id: page, name: 'Page 1', index: 'a1' as never })])
    const indices = indexKeysAbove('a1', 70)
    const notes = indices.map((index, i) =>
      noteRecord({ id: createShapeId(), parentId: page, index, at: revealSlotPosition({ x: 0, y: 0 }, i), text: `idea ${i}\nsecond line` }),
    )
    store.put(notes as unknown as TLRecord[])
    expect(store.query.records('shape').get()).toHaveLength(70)
    expect(notes[0].meta).toEqual({})
  })
})

describe('draft counts and presence in a silent round', () => {
  const round = (revealedAt: number | null): RoundState => ({
    roundId: 'r1',
    prompt: '',
    startedAt: 0,
    endsAt: null,
    anonymous: true,
    revealedAt,
    pageId: 'page:page',
    anchor: { x: 0, y: 0 },
  })

  it('reads who has drafts in the round from awareness states, ignoring other rounds and bad counts', () => {
    const states = [
      { user: { id: 'bea' }, drafts: { roundId: 'r1', count: 2 } },
      { user: { id: 'bea' }, drafts: { roundId: 'r1', count: 3 } }, // a second tab
      { user: { id: 'cy' }, drafts: { roundId: 'r1', count: 1 } },
      { user: { id: 'dee' }, drafts: { roundId: 'r0', count: 4 } },
      { user: { id: 'eve' }, drafts: { roundId: 'r1', count: 0 } },
      { user: { id: 'fay' }, drafts: { roundId: 'r1', count: 1.5 } },
      { drafts: { roundId: 'r1', count: 1 } },
      undefined,
    ]
    expect(draftCountsByParticipant(states, 'r1')).toEqual({ bea: 3, cy: 1 })
  })

  it('withholds cursor presence while a round runs or a vote is open, and only then', () => {
    expect(presenceWithheld([], round(null))).toBe(true)
    expect(presenceWithheld([], round(5))).toBe(false)
    expect(presenceWithheld([], undefined)).toBe(false)
    expect(presenceWithheld([{ status: 'closed' }, { status: 'open' }], undefined)).toBe(true)
    expect(presenceWithheld([{ status: 'closed' }], round(5))).toBe(false)
  })
})
