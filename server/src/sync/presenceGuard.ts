import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import type * as awarenessProtocol from 'y-protocols/awareness'
import type { Connection } from './connection.ts'
import { CloseCode } from '@roundtable/shared'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'

/** One entry of a y-protocols awareness update: a client id's state (JSON text) at a clock. */
export interface AwarenessEntry {
  clientId: number
  clock: number
  state: string
  /** Encoded size of the state. */
  bytes: number
}

/** Decodes an awareness update; throws on malformed input (nothing is applied then). */
export function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const start = decoder.pos
    const state = decoding.readVarString(decoder)
    // Checked here: y-protocols would throw half-way through, with some entries applied.
    JSON.parse(state)
    entries.push({ clientId, clock, state, bytes: decoder.pos - start })
  }
  if (decoder.pos !== update.length) throw new Error('trailing bytes after awareness update')
  return entries
}

export function encodeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientId)
    encoding.writeVarUint(encoder, e.clock)
    encoding.writeVarString(encoder, e.state)
  }
  return encoding.toUint8Array(encoder)
}

export interface PresenceLimits {
  /** Awareness client ids one connection may hold states for. */
  maxClientsPerConnection: number
  /** Largest state (JSON) of one awareness client id, in bytes. */
  maxStateBytes: number
}

/** A refusal that closes the connection; the caller turns it into a RefusedError. */
export interface PresenceRefusal {
  code: number
  limit: string
  message: string
}

interface Speaker {
  /** Awareness client ids this connection controls (the room's own set, shared). */
  controlled: Set<number>
  /** The id named alone in its first awareness message: its own presence (stock clients send theirs first). */
  own?: number
  spoke: boolean
  /** A ping to the holder of its own id is out (see contest). */
  contesting: boolean
  warned: boolean
  lastFullQuery: number
}

/** How long the holder of a contested presence has to answer a ping before it counts as gone. */
const CONTEST_PONG_MS = 5_000
/** A connection gets everyone's presence on request at most this often. */
const FULL_QUERY_INTERVAL_MS = 1_000

/**
 * Who may set which presence. A connection may set states only for awareness client ids it
 * already controls or that no other open connection controls (first claim wins), within the
 * limits. Stock y-websocket clients also send back every state they receive (same clock: ignored
 * here, as y-protocols would) and relay other tabs' presence from BroadcastChannel, so:
 * - a relayed change to an id another connection controls is dropped (and counted), not fatal;
 * - a client's own id (the one it announced first) is taken back from a connection that only
 *   relayed it;
 * - two connections both claiming an id as their own: the holder is pinged; a live holder means
 *   the claimant is spoofing and is closed (4410), a silent one is a dead socket that the
 *   client has reconnected from, and is cut so the id frees up.
 */
export class PresenceGuard {
  private owners = new Map<number, Connection>()
  private speakers = new Map<Connection, Speaker>()
  /** Each client id named alone in a connection's first awareness message, by the first to do so. */
  private announced = new Map<number, Connection>()

  constructor(
    private awareness: awarenessProtocol.Awareness,
    private limits: PresenceLimits,
    private metrics: Metrics,
    private log: Logger,
    private boardId: string,
    /** Closes a connection refused after the fact (a lost contest). */
    private refuse: (conn: Connection, refusal: PresenceRefusal) => void,
  ) {}

  /**
   * The connection an awareness client id belongs to: the one holding its presence, else the
   * first open one that announced it as its own. A stock client's first presence (clock 0) is
   * not applied, so the announcement is all the server may hear of it.
   */
  author(clientId: number): Connection | undefined {
    return this.owners.get(clientId) ?? this.announced.get(clientId)
  }

  join(conn: Connection, controlled: Set<number>) {
    this.speakers.set(conn, { controlled, spoke: false, contesting: false, warned: false, lastFullQuery: -Infinity })
  }

  leave(conn: Connection) {
    this.speakers.delete(conn)
    for (const [id, owner] of this.owners) if (owner === conn) this.owners.delete(id)
    for (const [id, announcer] of this.announced) if (announcer === conn) this.announced.delete(id)
  }

  /**
   * The part of `update` the connection may apply (undefined: nothing), or a refusal that closes
   * it. Throws on a malformed update.
   */
  admit(conn: Connection, update: Uint8Array): { update?: Uint8Array; refusal?: PresenceRefusal } {
    const s = this.speakers.get(conn)
    if (!s) return {}
    const entries = readAwarenessEntries(update)
    if (!s.spoke) {
      s.spoke = true
      if (entries.length === 1) {
        s.own = entries[0].clientId
        if (!this.announced.has(s.own)) this.announced.set(s.own, conn)
      }
    }
    const admitted: AwarenessEntry[] = []
    for (const e of entries) {
      if (e.bytes > this.limits.maxStateBytes) {
        // Dropped, not fatal: selecting a few thousand shapes makes a legitimate state this big.
        this.metrics.limitRejections.inc({ limit: 'presence_state_bytes' })
        this.log.warn({ boardId: this.boardId, bytes: e.bytes }, 'presence state over MAX_PRESENCE_STATE_BYTES dropped')
        continue
      }
      const holder = this.owners.get(e.clientId)
      if (holder && holder !== conn) {
        const h = this.speakers.get(holder)
        if (h && e.clientId === s.own && h.own !== e.clientId) {
          this.transfer(e.clientId, holder, conn)
        } else if (h) {
          if (this.changes(e)) this.refuseChange(conn, s, holder, e.clientId)
          continue
        }
      }
      if (this.changes(e)) admitted.push(e)
    }
    const ids = new Set(s.controlled)
    for (const e of admitted) if (e.state !== 'null') ids.add(e.clientId)
    if (ids.size > this.limits.maxClientsPerConnection) {
      return {
        refusal: {
          code: CloseCode.presenceTooLarge,
          limit: 'presence_clients',
          message: `more than ${this.limits.maxClientsPerConnection} presence states on one connection`,
        },
      }
    }
    if (admitted.length === 0) return {}
    return { update: admitted.length === entries.length ? update : encodeAwarenessEntries(admitted) }
  }

  /** Keeps ownership in step with what awareness applied (including its own timeouts). */
  onUpdate({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) {
    const s = this.speakers.get(origin as Connection)
    if (s) {
      for (const id of [...added, ...updated]) {
        this.owners.set(id, origin as Connection)
        s.controlled.add(id)
      }
    }
    for (const id of removed) {
      const owner = this.owners.get(id)
      if (owner) this.speakers.get(owner)?.controlled.delete(id)
      this.owners.delete(id)
    }
  }

  /** Whether a connection's query for everyone's presence gets them now (else an empty answer). */
  mayQuery(conn: Connection): boolean {
    const s = this.speakers.get(conn)
    if (!s) return false
    const now = performance.now()
    if (now - s.lastFullQuery < FULL_QUERY_INTERVAL_MS) {
      this.metrics.limitRejections.inc({ limit: 'awareness_query' })
      return false
    }
    s.lastFullQuery = now
    return true
  }

  /** Whether y-protocols would apply the entry (a newer clock, or a removal at the same clock). */
  private changes(e: AwarenessEntry): boolean {
    const clock = this.awareness.meta.get(e.clientId)?.clock ?? 0
    return clock < e.clock || (clock === e.clock && e.state === 'null' && this.awareness.states.has(e.clientId))
  }

  private transfer(id: number, from: Connection, to: Connection) {
    this.speakers.get(from)?.controlled.delete(id)
    this.owners.delete(id)
    if (!this.awareness.states.has(id)) return
    this.owners.set(id, to)
    this.speakers.get(to)?.controlled.add(id)
  }

  private refuseChange(conn: Connection, s: Speaker, holder: Connection, clientId: number) {
    this.metrics.limitRejections.inc({ limit: 'presence_owner' })
    if (!s.warned) {
      s.warned = true
      this.log.warn({ boardId: this.boardId, clientId }, 'ignored presence for a client id another connection controls')
    }
    if (clientId === s.own) this.contest(conn, s, holder)
  }

  private contest(claimant: Connection, s: Speaker, holder: Connection) {
    if (s.contesting) return
    s.contesting = true
    let answered = false
    holder.ping(() => (answered = true))
    setTimeout(() => {
      s.contesting = false
      if (!this.speakers.has(claimant)) return
      if (!answered) {
        if (!this.speakers.has(holder)) return
        this.log.warn(
          { boardId: this.boardId },
          'a connection holding a presence claimed by another did not answer a ping; closing it as dead',
        )
        holder.terminate()
        return
      }
      this.refuse(claimant, {
        code: CloseCode.presenceNotYours,
        limit: 'presence_owner',
        message: 'presence belongs to another connection',
      })
    }, CONTEST_PONG_MS).unref()
  }
}
