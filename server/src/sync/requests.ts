import { encodeRequest } from '@roundtable/shared'
import type { Logger } from '../logger.ts'
import type { Connection } from './connection.ts'
import { RequestRefusal, type RequestHandler } from './extension.ts'
import type { Room } from './room.ts'

/**
 * Answers one request (`{ id, op, ...args }`) with the handler its op names: `{ id, ok: true,
 * result }`, or `{ id, ok: false, error, code? }` when refused. `reply` sends it to the asker
 * alone, once what the handler wrote is stored.
 */
export function answerRequest(
  room: Room,
  conn: Connection,
  request: { id: number; [key: string]: unknown },
  handlers: ReadonlyMap<string, RequestHandler>,
  log: Logger,
) {
  const answer = (reply: object) => room.reply(conn, encodeRequest({ id: request.id, ...reply }))
  const fail = (err: unknown) => {
    if (err instanceof RequestRefusal) return answer({ ok: false, error: err.message, ...(err.code ? { code: err.code } : {}) })
    log.error({ boardId: room.id, err, op: String(request.op).slice(0, 40) }, 'request failed')
    answer({ ok: false, error: 'the server could not handle this request' })
  }
  try {
    const handler = handlers.get(String(request.op))
    if (!handler) throw new RequestRefusal(`unknown op ${JSON.stringify(request.op)}`)
    const result = handler(room, conn, request)
    if (result instanceof Promise) result.then((r: unknown) => answer({ ok: true, result: r }), fail)
    else answer({ ok: true, result })
  } catch (err) {
    fail(err)
  }
}
