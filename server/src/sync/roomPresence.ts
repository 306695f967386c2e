import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import type { Connection } from './connection.ts'
import { RefusedError } from './errors.ts'
import { awarenessMessage, EMPTY_AWARENESS_MESSAGE } from './messages.ts'
import { MIN_FLUSH_INTERVAL_MS } from './boardWriter.ts'
import { PresenceGuard, type PresenceLimits } from './presenceGuard.ts'

/**
 * One room's presence (y-protocols awareness: cursors, names, selections): what each connection
 * may set (PresenceGuard), and sending changes on in batches. Presence lives on a doc of its own,
 * so the board's doc can be dropped while people are on it.
 */
export class RoomPresence {
  readonly awareness = new awarenessProtocol.Awareness(new Y.Doc())
  private guard: PresenceGuard
  private pending = { clients: new Set<number>(), senders: new Set<unknown>() }
  private lastFlush = -Infinity
  private destroyed = false

  constructor(
    boardId: string,
    limits: PresenceLimits,
    metrics: Metrics,
    log: Logger,
    private broadcast: (message: Uint8Array, except: unknown) => void,
    /** Closes a connection refused after the fact (a lost contest for a presence). */
    refuse: (conn: Connection, err: RefusedError) => void,
  ) {
    // The server holds no presence of its own.
    this.awareness.setLocalState(null)
    this.guard = new PresenceGuard(this.awareness, limits, metrics, log, boardId, (conn, r) =>
      refuse(conn, new RefusedError(r.code, r.limit, r.message)),
    )
    this.awareness.on('update', this.onUpdate)
  }

  /** Everyone's presence, for a newcomer (undefined when nobody has any). */
  everyone(): Uint8Array | undefined {
    const states = this.awareness.getStates()
    return states.size > 0 ? awarenessMessage(this.awareness, [...states.keys()]) : undefined
  }

  join(conn: Connection, controlled: Set<number>) {
    this.guard.join(conn, controlled)
  }

  leave(conn: Connection, controlled: ReadonlySet<number>) {
    if (controlled.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...controlled], null)
    this.guard.leave(conn)
  }

  /** The connection a Yjs/awareness client id belongs to (see PresenceGuard.author). */
  author(clientId: number): Connection | undefined {
    return this.guard.author(clientId)
  }

  /** Applies what `conn` may set of an awareness update. Throws RefusedError, or on malformed input. */
  apply(conn: Connection, update: Uint8Array) {
    const { update: admitted, refusal } = this.guard.admit(conn, update)
    if (refusal) throw new RefusedError(refusal.code, refusal.limit, refusal.message)
    if (admitted) awarenessProtocol.applyAwarenessUpdate(this.awareness, admitted, conn)
  }

  /** The answer to a query for everyone's presence: in full at most once a second per connection. */
  answerQuery(conn: Connection): Uint8Array {
    return (this.guard.mayQuery(conn) && this.everyone()) || EMPTY_AWARENESS_MESSAGE
  }

  private onUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    this.guard.onUpdate({ added, updated, removed }, origin)
    const p = this.pending
    if (p.clients.size === 0) {
      const wait = this.lastFlush + MIN_FLUSH_INTERVAL_MS - performance.now()
      if (wait <= 0) setImmediate(this.flush)
      else setTimeout(this.flush, wait)
    }
    for (const ids of [added, updated, removed]) for (const id of ids) p.clients.add(id)
    p.senders.add(origin)
  }

  /**
   * Presence changes are batched like doc updates: each client's latest state, one message for
   * everyone (a sender among several gets its own state back, which it ignores), so 50 cursors
   * moving cost a few broadcasts per frame rather than one per move.
   */
  private flush = () => {
    const { clients, senders } = this.pending
    if (clients.size === 0 || this.destroyed) return
    this.pending = { clients: new Set(), senders: new Set() }
    this.lastFlush = performance.now()
    this.broadcast(awarenessMessage(this.awareness, [...clients]), senders.size === 1 ? [...senders][0] : undefined)
  }

  destroy() {
    this.destroyed = true
    this.awareness.destroy()
    this.awareness.doc.destroy()
  }
}
