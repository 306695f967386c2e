import { CloseCode } from '@roundtable/shared'
import type { Connection } from './connection.ts'
import { RefusedError } from './errors.ts'

/** What one connection may have waiting, and a whole board. */
export const MAX_HELD_UPDATES_PER_CONNECTION = 1000
export const MAX_HELD_BYTES_PER_CONNECTION = 4 * 1024 * 1024
export const MAX_HELD_BYTES_PER_BOARD = 16 * 1024 * 1024

/**
 * Updates that depend on changes the server does not have yet, held per connection (in the
 * order they came) until those arrive. An ordinary race makes them: someone reconnects after
 * editing offline and types at once, and the live edit overtakes the catch-up (sync step 2)
 * that carries what it builds on. Applying one early would let Yjs park it, and the hole in
 * that client's clock range would make its real edits look known and be dropped. Bounded per
 * connection and per board; past a bound the connection is closed with a code that makes the
 * client reconnect and resync (4520), never for good.
 */
export class HeldUpdates {
  private held = new Map<Connection, { updates: Uint8Array[]; bytes: number }>()
  private boardBytes = 0

  get isEmpty(): boolean {
    return this.held.size === 0
  }

  /** Holds `update` for `conn`; throws RefusedError when a bound would be passed. */
  hold(conn: Connection, update: Uint8Array) {
    const queue = this.held.get(conn) ?? { updates: [], bytes: 0 }
    if (
      queue.updates.length >= MAX_HELD_UPDATES_PER_CONNECTION ||
      queue.bytes + update.length > MAX_HELD_BYTES_PER_CONNECTION ||
      this.boardBytes + update.length > MAX_HELD_BYTES_PER_BOARD
    ) {
      throw new RefusedError(
        CloseCode.outOfSync,
        'held_updates',
        'too many updates wait for changes the server does not have; reconnect to resync',
      )
    }
    queue.updates.push(update)
    queue.bytes += update.length
    this.boardBytes += update.length
    this.held.set(conn, queue)
  }

  /**
   * Offers each connection's held updates, oldest first, to `apply`, which returns false for
   * one that must keep waiting (that connection's later ones wait behind it). Goes round until
   * nothing more can be applied: one connection's update may be what another's waits for.
   */
  drain(apply: (conn: Connection, update: Uint8Array) => boolean) {
    for (let progress = true; progress;) {
      progress = false
      for (const [conn, queue] of this.held) {
        while (queue.updates.length > 0 && this.held.get(conn) === queue && apply(conn, queue.updates[0])) {
          const [update] = queue.updates.splice(0, 1)
          queue.bytes -= update.length
          this.boardBytes -= update.length
          progress = true
        }
        if (queue.updates.length === 0) this.drop(conn)
      }
    }
  }

  drop(conn: Connection) {
    const queue = this.held.get(conn)
    if (!queue) return
    this.held.delete(conn)
    this.boardBytes -= queue.bytes
  }
}
