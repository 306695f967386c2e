import { describe, expect, it } from 'vitest'
import { nextPassSize } from './exportBoard.ts'

describe('image export passes', () => {
  it('sizes the next pass so it holds the page about half a second, whatever the machine', () => {
    // A slow machine (a 30-shape pass took 1.5 s): a third as many shapes next.
    expect(nextPassSize(30, 1500)).toBe(10)
    // On budget: the same size.
    expect(nextPassSize(30, 500)).toBe(30)
    // Fast: grows, but at most doubles, so one quick pass cannot make the next one freeze.
    expect(nextPassSize(30, 50)).toBe(60)
    // Never below a few shapes (each pass has a fixed cost) nor above a few hundred.
    expect(nextPassSize(10, 60_000)).toBe(8)
    expect(nextPassSize(180, 10)).toBe(200)
  })
})
