import crypto from 'node:crypto'
import type * as Y from 'yjs'
import { boardRecords } from '@roundtable/shared'
import type { Connection } from '../sync/connection.ts'
import { RequestRefusal, type RequestHandler } from '../sync/extension.ts'
import type { Room } from '../sync/room.ts'

/** Transaction origin of everything the server writes itself (vote state, anonymous notes). */
export const SERVER_ORIGIN = Symbol('privacy-server')

export const str = (v: unknown, name: string, max = 200): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new RequestRefusal(`${name} must be a non-empty string`)
  return v
}

/** Refuses to write `what` when it would take the board past its size limit. */
export function checkFits(room: Room, bytes: number, what: string) {
  if (!room.fits(bytes)) throw new RequestRefusal(`the board is full: ${what} would take it past its size limit`)
}

/**
 * A view-only link may watch a vote or a reveal, never take part: no ballots, no drafts,
 * nothing the server would write into the board on its behalf.
 */
export function editorsOnly(handler: (room: Room, conn: Connection, r: Record<string, unknown>) => unknown): RequestHandler {
  return (room, conn, r) => {
    if (room.isReadOnly(conn)) throw new RequestRefusal('view-only link: voting and publishing notes need the board’s edit link')
    return handler(room, conn, r)
  }
}

const recordsByDoc = new WeakMap<Y.Doc, ReturnType<typeof boardRecords>>()

/** The board's records, built once per doc: a YKeyValue indexes the whole array when made. */
export function recordsOf(doc: Y.Doc): ReturnType<typeof boardRecords> {
  let kv = recordsByDoc.get(doc)
  if (!kv) recordsByDoc.set(doc, (kv = boardRecords(doc)))
  return kv
}

/** A new id and the timebox of something starting now (`endsAt` null: until someone ends it). */
export function startingNow(durationMs: number | null): { id: string; startedAt: number; endsAt: number | null } {
  const now = Date.now()
  return { id: crypto.randomBytes(9).toString('base64url'), startedAt: now, endsAt: durationMs === null ? null : now + durationMs }
}
