import { describe, expect, it } from 'vitest'
import { Router } from './router.ts'
import { answerFor, BodyTooLargeError, ViewOnlyError } from './errors.ts'
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts'
import { BoardsFullError } from '../sync/rooms.ts'

describe('Router', () => {
  const get = () => undefined
  const post = () => undefined
  const router = new Router()
    .add('GET', '/api/time', get, { wrongMethod: 'use GET' })
    .add('GET', '/api/boards/:id/view-link', get, { raw: true })
    .add('GET', '/api/boards/:id/snapshots', get)
    .add('POST', '/api/boards/:id/snapshots', post)

  it('matches method and path, decoding params unless the route takes them raw', () => {
    expect(router.match('POST', '/api/boards/a%20b/snapshots')).toEqual({ handler: post, params: { id: 'a b' } })
    expect(router.match('GET', '/api/boards/a%20b/view-link')).toEqual({ handler: get, params: { id: 'a%20b' } })
  })

  it('tells a wrong method from an unknown path, with the route’s own 405 message where it has one', () => {
    expect(router.match('DELETE', '/api/boards/x/snapshots')).toEqual({ wrongMethod: 'DELETE is not allowed on /api/boards/x/snapshots' })
    expect(router.match('POST', '/api/time')).toEqual({ wrongMethod: 'use GET' })
    expect(router.match('GET', '/api/nothing')).toBeUndefined()
    // Params that are not valid percent-encoding name no route.
    expect(router.match('GET', '/api/boards/%E0/snapshots')).toBeUndefined()
  })
})

describe('answerFor', () => {
  it('maps each error a request may end in to its status, and nothing else', () => {
    const cases: [Error, number][] = [
      [new InvalidInputError('x'), 400],
      [new ViewOnlyError('x'), 403],
      [new NotFoundError('x'), 404],
      [new ConflictError('x'), 409],
      [new BodyTooLargeError('x'), 413],
      [new UnavailableError('x'), 503],
      [new BoardsFullError('x'), 503],
    ]
    for (const [err, status] of cases) expect(answerFor(err)?.status, err.constructor.name).toBe(status)
    expect(answerFor(new Error('bug'))).toBeUndefined()
    expect(answerFor('not an error')).toBeUndefined()
  })

  it('closes the connection after a 413 and keeps server details out of a 503 for too many boards', () => {
    expect(answerFor(new BodyTooLargeError('too big'))).toEqual({
      status: 413,
      body: { error: 'too big' },
      headers: { connection: 'close' },
    })
    expect(answerFor(new BoardsFullError('1000 boards are open and none is idle'))?.body).toEqual({
      error: 'the server has too many boards open; try again soon',
    })
  })
})
