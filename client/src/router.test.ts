import { describe, expect, it } from 'vitest'
import { parseRoute } from './router.ts'

describe('routes', () => {
  it('reads the landing page, boards and view links', () => {
    expect(parseRoute('/')).toEqual({ page: 'landing' })
    expect(parseRoute('/somewhere/else')).toEqual({ page: 'landing' })
    expect(parseRoute('/b/abcdefghijklmnop')).toEqual({ page: 'board', boardId: 'abcdefghijklmnop' })
    expect(parseRoute('/v/abcdefghijklmnopqrstuvwx')).toEqual({ page: 'view', token: 'abcdefghijklmnopqrstuvwx' })
  })

  it('tells a malformed board link apart from the landing page', () => {
    expect(parseRoute('/b/short')).toEqual({ page: 'invalid-board' })
    expect(parseRoute('/b/')).toEqual({ page: 'invalid-board' })
    expect(parseRoute('/v/too-short')).toEqual({ page: 'landing' })
    expect(parseRoute('/b/abcdefghijklmnop%')).toEqual({ page: 'invalid-board' })
    expect(parseRoute('/b/%E0%A4%A')).toEqual({ page: 'invalid-board' })
  })
})
