import { describe, expect, it } from 'vitest'
import type { PresentParticipant } from '@roundtable/shared'
import { actingDelay } from './actingOrder.ts'

const here = (...ids: string[]): PresentParticipant[] => ids.map((id, i) => ({ clientId: i, user: { id, name: id, color: '#000' } }))

describe('acting order for acts nobody presses', () => {
  it('everyone by id, one step of delay each; the preferred person first when here', () => {
    const people = here('cat', 'ann', 'bob')
    expect(['ann', 'bob', 'cat'].map((id) => actingDelay(id, people))).toEqual([0, 1500, 3000])
    expect(['ann', 'bob', 'cat'].map((id) => actingDelay(id, people, 'cat'))).toEqual([1500, 3000, 0])
    // A preferred person who left changes nothing; someone not listed yet goes last.
    expect(actingDelay('ann', people, 'dan')).toBe(0)
    expect(actingDelay('eve', people)).toBe(4500)
  })
})
