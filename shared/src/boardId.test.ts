import { describe, expect, it } from 'vitest'
import { isValidBoardId, newBoardId } from './boardId.ts'

describe('board ids', () => {
  it('accepts 16-64 url-safe characters', () => {
    expect(isValidBoardId('abcdefghijklmnop')).toBe(true)
    expect(isValidBoardId('A'.repeat(64))).toBe(true)
    expect(isValidBoardId('abc_DEF-123_xyz-0')).toBe(true)
  })

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'short',
      'a'.repeat(15),
      'a'.repeat(65),
      '../../etc/passwd',
      'abcdefghijklmnop/',
      'abcdefghijklmnop.',
      'abcdefgh ijklmnop',
      'äbcdefghijklmnop',
      null,
      42,
      undefined,
    ]) {
      expect(isValidBoardId(bad), String(bad)).toBe(false)
    }
  })

  it('makes valid, distinct ids with at least 128 bits of randomness', () => {
    const ids = new Set(Array.from({ length: 2000 }, newBoardId))
    expect(ids.size).toBe(2000)
    for (const id of ids) expect(isValidBoardId(id)).toBe(true)
    // 64 symbols carry 6 bits each.
    const id = newBoardId()
    expect(id.length * 6).toBeGreaterThanOrEqual(128)
    // Every symbol of the alphabet shows up: the generator is not stuck on a subset.
    const seen = new Set([...ids].join(''))
    expect(seen.size).toBe(64)
  })
})
