import { describe, expect, it } from 'vitest'
import { recordSize, boardsToEvict, fitsWithin, formatBytes, newTokenBucket, takeToken } from './limits.ts'

describe('token bucket', () => {
  it('allows a burst, then refuses until tokens drip back at the rate', () => {
    const bucket = newTokenBucket(5, 0)
    for (let i = 0; i < 5; i++) expect(takeToken(bucket, 10, 5, 0)).toBe(true)
    expect(takeToken(bucket, 10, 5, 0)).toBe(false)
    // 10 per second: one token every 100 ms.
    expect(takeToken(bucket, 10, 5, 99)).toBe(false)
    expect(takeToken(bucket, 10, 5, 100)).toBe(true)
    expect(takeToken(bucket, 10, 5, 150)).toBe(false)
  })

  it('never holds more than the burst, however long it was idle', () => {
    const bucket = newTokenBucket(3, 0)
    let allowed = 0
    for (let i = 0; i < 10; i++) if (takeToken(bucket, 100, 3, 1_000_000)) allowed++
    expect(allowed).toBe(3)
  })

  it('sustains the rate on average over a long run', () => {
    const bucket = newTokenBucket(20, 0)
    let allowed = 0
    // Try every millisecond for 10 s at 50/s.
    for (let t = 0; t <= 10_000; t++) if (takeToken(bucket, 50, 20, t)) allowed++
    expect(allowed).toBeGreaterThanOrEqual(20 + 500 - 1)
    expect(allowed).toBeLessThanOrEqual(20 + 500 + 1)
  })

  it('does not mint tokens when the clock goes backwards', () => {
    const bucket = newTokenBucket(1, 1000)
    expect(takeToken(bucket, 10, 1, 1000)).toBe(true)
    expect(takeToken(bucket, 10, 1, 0)).toBe(false)
    expect(takeToken(bucket, 10, 1, 1050)).toBe(false)
    expect(takeToken(bucket, 10, 1, 1100)).toBe(true)
  })
})

describe('board size', () => {
  it('fits up to and including the limit', () => {
    expect(fitsWithin(90, 10, 100)).toBe(true)
    expect(fitsWithin(90, 11, 100)).toBe(false)
  })
})

describe('boards to evict', () => {
  const b = (name: string, idle: boolean) => ({ name, idle })
  it('evicts nothing below the limit', () => {
    expect(boardsToEvict([b('a', true)], 3)).toEqual([])
  })
  it('evicts the least recently used idle boards to make room for one more', () => {
    const boards = [b('a', false), b('b', true), b('c', true), b('d', false)]
    expect(boardsToEvict(boards, 4)?.map((x) => x.name)).toEqual(['b'])
    expect(boardsToEvict(boards, 3)?.map((x) => x.name)).toEqual(['b', 'c'])
  })
  it('refuses when the busy boards alone fill memory', () => {
    expect(boardsToEvict([b('a', false), b('b', false)], 2)).toBeUndefined()
  })
})

describe('formatBytes', () => {
  it('says KB under a megabyte and MB with one decimal above', () => {
    expect(formatBytes(65536)).toBe('64 KB')
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MB')
    expect(formatBytes(12.34 * 1024 * 1024)).toBe('12.3 MB')
  })
})

describe('recordSize', () => {
  it('is the length of the record as JSON, not counting an asset’s picture', () => {
    const note = { id: 'shape:a', typeName: 'shape', props: { text: 'hello' } }
    expect(recordSize(note)).toBe(JSON.stringify(note).length)
    const photo = { id: 'asset:a', typeName: 'asset', props: { src: `data:image/png;base64,${'A'.repeat(10_000)}`, name: 'p' } }
    expect(recordSize(photo)).toBe(JSON.stringify(photo).length - photo.props.src.length)
    // A shape's `src`-like text still counts: only assets hold pictures.
    expect(recordSize({ ...note, props: { src: 'x'.repeat(1000) } })).toBeGreaterThan(1000)
    expect(recordSize(undefined)).toBe(0)
  })
})
