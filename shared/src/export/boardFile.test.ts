import { describe, expect, it } from 'vitest'
import { downloadBaseName } from './boardFile.ts'

describe('download names', () => {
  it('keep letters, digits, dashes and underscores of every part', () => {
    expect(downloadBaseName('Q2 planning', 'after clustering')).toBe('Q2-planning-after-clustering')
    expect(downloadBaseName('Été à Zürich')).toBe('Été-à-Zürich')
    expect(downloadBaseName('Q2 planning', 'x"; filename="evil.html')).toBe('Q2-planning-x-filenameevilhtml')
    expect(downloadBaseName('a\r\nContent-Type: text/html')).toBe('aContent-Type-texthtml')
  })

  it('fall back to "board" and stay short', () => {
    expect(downloadBaseName(undefined)).toBe('board')
    expect(downloadBaseName('***', '')).toBe('board')
    expect(downloadBaseName('x'.repeat(200), 'y'.repeat(200))).toBe(`${'x'.repeat(60)}-${'y'.repeat(60)}`)
  })
})
