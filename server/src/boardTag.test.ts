import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { boardTag, newBoardId } from '@roundtable/shared'
import { redactPath } from './boardTag.ts'
import { tagBoardIds } from './logger.ts'

describe('board tags', () => {
  it('are the first 12 hex digits of SHA-256 of the id, as an operator computes them with sha256sum', () => {
    const id = newBoardId()
    expect(boardTag(id)).toBe(crypto.createHash('sha256').update(id).digest('hex').slice(0, 12))
    expect(boardTag(id)).toMatch(/^[0-9a-f]{12}$/)
    expect(boardTag(newBoardId())).not.toBe(boardTag(id))
  })

  it('replace ids and view tokens in logged paths, and nothing else', () => {
    const id = newBoardId()
    expect(redactPath(`/api/boards/${id}/snapshots/abc?x=${id}`)).toBe(`/api/boards/~${boardTag(id)}/snapshots/abc`)
    expect(redactPath('/sync/view/AAAAAAAAAAAAAAAAAAAAAAAA')).toBe(`/sync/view/~${boardTag('AAAAAAAAAAAAAAAAAAAAAAAA')}`)
    expect(redactPath('/healthz')).toBe('/healthz')
  })

  it('stand in for boardId and forkId in log fields, where they were', () => {
    const id = newBoardId()
    const fork = newBoardId()
    expect(Object.entries(tagBoardIds({ a: 1, boardId: id, forkId: fork, b: 2 }))).toEqual([
      ['a', 1],
      ['board', boardTag(id)],
      ['fork', boardTag(fork)],
      ['b', 2],
    ])
    const untouched = { a: 1 }
    expect(tagBoardIds(untouched)).toBe(untouched)
  })
})
