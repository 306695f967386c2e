import { describe, expect, it } from 'vitest'
import { BoardFileError, checkImportFits, downloadBaseName } from './boardFile.ts'
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol.ts'

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

describe('imports the server would take', () => {
  const limits = { maxFrameBytes: 10 * 1024 * 1024, maxBoardBytes: 64 * 1024 * 1024, maxRecordBytes: 512 * 1024 }
  const refusal = (run: () => void) => {
    try {
      run()
    } catch (err) {
      expect(err).toBeInstanceOf(BoardFileError)
      return (err as Error).message
    }
    return undefined
  }

  it('fit in one WebSocket frame', () => {
    expect(refusal(() => checkImportFits(9 * 1024 * 1024, limits))).toBeUndefined()
    expect(refusal(() => checkImportFits(limits.maxFrameBytes, limits))).toBe(
      'The file is too big for this server (10 MB on a board); the limit is 10 MB.',
    )
    expect(refusal(() => checkImportFits(12.34 * 1024 * 1024, { ...limits, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES }))).toMatch(
      /12.3 MB .* the limit is 10 MB/,
    )
  })

  it('and hold no record bigger than the server takes', () => {
    const note = { id: 'shape:long', typeName: 'shape', props: { text: 'x'.repeat(600 * 1024) } }
    expect(refusal(() => checkImportFits(1024, limits, 0, [{ id: 'page:1' }, note]))).toBe(
      'The file holds a record too big for this server (shape:long, 600 KB); the limit is 512 KB per record.',
    )
    expect(refusal(() => checkImportFits(1024, limits, 0, [{ id: 'page:1' }]))).toBeUndefined()
  })

  it('and keep the board they go into within its size', () => {
    expect(refusal(() => checkImportFits(5 * 1024 * 1024, limits, 58 * 1024 * 1024))).toBeUndefined()
    expect(refusal(() => checkImportFits(5 * 1024 * 1024, limits, 60 * 1024 * 1024))).toMatch(
      /board would be too big \(65 MB\); the limit is 64 MB/,
    )
  })
})
