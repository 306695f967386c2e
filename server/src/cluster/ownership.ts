import crypto from 'node:crypto'
import pg from 'pg'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'
import { parseDatabaseUrl } from '../storage/postgres/url.ts'
import { OwnedElsewhereError } from './ownedElsewhere.ts'

/** The classid half of every process's liveness lock ("RTli"); the objid half is the process's lock_key. */
export const LIVENESS_LOCK_CLASS = 0x52546c69

/** What a store needs to fence its writes: who this process is, and the epoch it holds each board under. */
export interface Fence {
  readonly ownerId: string
  epochOf(boardId: string): number | undefined
}

/** True while the process owning row `o` lives: its liveness lock (class `classParam`) is held. */
const ownerAlive = (classParam: string) => `EXISTS (
  SELECT 1 FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = ${classParam}::bigint::oid AND l.objid = o.lock_key::bigint::oid
)`

/**
 * Takes a board, or says who has it. One statement: the row is taken when it is ours already,
 * when its lease ran out (a stalled owner), or when its owner's liveness lock is gone (the
 * owner died: PostgreSQL ended its session). Otherwise it answers the live owner's address.
 * The epoch goes up at every change of owner, so an ex-owner's writes no longer match.
 */
const ACQUIRE = `
  WITH taken AS (
    INSERT INTO board_owners AS o (board_id, owner_id, address, lock_key, epoch, lease_until)
    VALUES ($1, $2, $3, $4, 1, now() + $5::integer * interval '1 millisecond')
    ON CONFLICT (board_id) DO UPDATE
      SET owner_id = excluded.owner_id, address = excluded.address, lock_key = excluded.lock_key,
          epoch = o.epoch + 1, lease_until = excluded.lease_until
      WHERE o.owner_id = excluded.owner_id
         OR o.lease_until < now()
         OR NOT ${ownerAlive('$6')}
    RETURNING epoch
  )
  SELECT (SELECT epoch FROM taken) AS epoch, (SELECT address FROM board_owners WHERE board_id = $1) AS address`

/** The rows of owners that are gone: their liveness lock is not held (and their lease ran out). */
const SWEEP = `
  DELETE FROM board_owners o
  WHERE o.lease_until < now()
    AND NOT ${ownerAlive('$1')}`

/** Renewals between two sweeps for the boards of dead processes. */
const SWEEP_EVERY = 10

interface Held {
  epoch: number
  /** The renewal round during which it was taken (a renewal that started earlier cannot know it). */
  round: number
}

/**
 * Which boards this process owns (DATABASE_URL only). A board has one owner among the processes
 * on a database: a row in board_owners with the owner's relay address and an epoch, plus a lease
 * the owner renews. The owner also holds a session advisory lock for as long as it lives, on its
 * own connection: when it dies, PostgreSQL ends the session and frees the lock, and the next
 * process that needs one of its boards takes it at once instead of waiting for the lease. A
 * stalled owner keeps its lock but not its lease, so it is taken over after CLUSTER_LEASE_MS,
 * and its writes, fenced by the epoch in the same statement, are refused from then on.
 */
export class BoardOwnership implements Fence {
  readonly ownerId = crypto.randomUUID()
  private lockKey = 1 + crypto.randomInt(2 ** 31 - 2)
  private address: string | undefined
  private held = new Map<string, Held>()
  private round = 0
  private renewals = 0
  private liveness: pg.Client | undefined
  private ready: Promise<void> | undefined
  private renewTimer: NodeJS.Timeout | undefined
  private reconnectTimer: NodeJS.Timeout | undefined
  private closed = false
  private onLost: (boardId: string) => void = () => {}

  constructor(
    private pool: pg.Pool,
    private databaseUrl: string,
    private opts: { leaseMs: number; log: Logger; metrics: Metrics },
  ) {}

  /** Starts owning boards, relayed to at `address` (host:port). Resolves once the liveness lock is held. */
  start(address: string): Promise<void> {
    this.address = address
    this.ready = this.holdLivenessLock()
    this.renewTimer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.opts.leaseMs / 3)))
    this.renewTimer.unref()
    return this.ready
  }

  /** Called with a board another process took over, so that it is dropped here. */
  whenLost(fn: (boardId: string) => void) {
    this.onLost = fn
  }

  epochOf(boardId: string): number | undefined {
    return this.held.get(boardId)?.epoch
  }

  get size(): number {
    return this.held.size
  }

  /** Makes this process the board's owner, or throws OwnedElsewhereError with the owner's address. */
  async acquire(boardId: string): Promise<void> {
    if (!this.ready || !this.address) throw new Error('board ownership was not started')
    await this.ready
    for (let attempt = 0; attempt < 3; attempt++) {
      const round = this.round
      const { rows }: pg.QueryResult<{ epoch: string | null; address: string | null }> = await this.pool.query({
        name: 'rt_acquire_board',
        text: ACQUIRE,
        values: [boardId, this.ownerId, this.address, this.lockKey, this.opts.leaseMs, LIVENESS_LOCK_CLASS],
      })
      const { epoch, address }: { epoch: string | null; address: string | null } = rows[0]
      if (epoch !== null) {
        this.held.set(boardId, { epoch: Number(epoch), round })
        this.opts.metrics.ownership.inc({ event: 'acquired' })
        this.opts.log.debug({ boardId, epoch: Number(epoch) }, 'took ownership of the board')
        return
      }
      if (address === this.address) {
        throw new Error(`another live process advertises this process's address ${address}; give each process its own CLUSTER_ADDRESS`)
      }
      if (address !== null) throw new OwnedElsewhereError(address)
      // The owner released it between the two halves of the statement: take it now.
    }
    throw new Error('could not take or find the owner of the board')
  }

  /**
   * Gives the board up (after its last write landed), so any process may take it at once. Only
   * the epoch it was unloaded under: if it was opened again meanwhile, that ownership stays.
   */
  async release(boardId: string, epoch: number | undefined): Promise<void> {
    if (epoch === undefined) return
    if (this.held.get(boardId)?.epoch === epoch) this.held.delete(boardId)
    this.opts.metrics.ownership.inc({ event: 'released' })
    await this.pool.query('DELETE FROM board_owners WHERE board_id = $1 AND owner_id = $2 AND epoch = $3', [boardId, this.ownerId, epoch])
  }

  /** Forgets a board another process took over (learnt from a refused write). */
  lost(boardId: string) {
    if (!this.held.delete(boardId)) return
    this.opts.metrics.ownership.inc({ event: 'lost' })
    this.opts.log.warn({ boardId }, 'another process took the board over; dropping it here')
    this.onLost(boardId)
  }

  /**
   * Extends the lease of every board this process owns, and drops those that turn out to have
   * been taken over (this process stalled past its lease, or lost its liveness lock).
   */
  private async renew() {
    if (this.closed) return
    if (++this.renewals % SWEEP_EVERY === 0) void this.sweep()
    if (this.held.size === 0) return
    const round = ++this.round
    let rows: { board_id: string; epoch: string }[]
    try {
      ;({ rows } = await this.pool.query<{ board_id: string; epoch: string }>({
        name: 'rt_renew_leases',
        text: `UPDATE board_owners SET lease_until = now() + $2::integer * interval '1 millisecond'
               WHERE owner_id = $1 RETURNING board_id, epoch`,
        values: [this.ownerId, this.opts.leaseMs],
      }))
    } catch (err) {
      // Writes fail too meanwhile (and are refused to clients); the boards stay ours if nobody can take them.
      this.opts.log.warn({ err }, 'could not renew board leases')
      return
    }
    const current = new Map(rows.map((r) => [r.board_id, Number(r.epoch)]))
    for (const [boardId, held] of [...this.held]) {
      if (held.round < round && current.get(boardId) !== held.epoch) this.lost(boardId)
    }
  }

  /**
   * Forgets the boards of processes that died holding them (their liveness lock is gone), which
   * nobody asked for since: a board's row is otherwise only replaced when someone opens it.
   */
  private async sweep() {
    try {
      await this.pool.query({ name: 'rt_sweep_owners', text: SWEEP, values: [LIVENESS_LOCK_CLASS] })
    } catch (err) {
      this.opts.log.debug({ err }, 'could not sweep the boards of dead processes')
    }
  }

  /**
   * Holds this process's liveness lock on a connection of its own, taking it again after the
   * connection is lost (PostgreSQL restarted). Until then other processes may take this
   * process's boards; its writes are then fenced out and the boards dropped here.
   */
  private async holdLivenessLock(): Promise<void> {
    const client = new pg.Client({ ...parseDatabaseUrl(this.databaseUrl), application_name: 'roundtable-liveness', keepAlive: true })
    const lostConnection = (err?: Error) => {
      if (this.liveness !== client) return
      this.liveness = undefined
      client.end().catch(() => {})
      if (this.closed) return
      this.opts.log.warn({ err }, 'lost the connection holding this process’s liveness lock; reconnecting')
      this.scheduleReconnect()
    }
    client.on('error', lostConnection)
    client.on('end', () => lostConnection())
    await client.connect()
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
        LIVENESS_LOCK_CLASS,
        this.lockKey,
      ])
      if (rows[0].locked) break
      // Another process drew the same key (or, after a reconnect, holds it now): anything owned
      // under the old key may be taken over, so give it all up.
      for (const boardId of [...this.held.keys()]) this.lost(boardId)
      this.lockKey = 1 + crypto.randomInt(2 ** 31 - 2)
    }
    this.liveness = client
  }

  private scheduleReconnect(delayMs = 500) {
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = setTimeout(() => {
      this.ready = this.holdLivenessLock()
      this.ready.then(
        () => this.opts.log.info('holding the liveness lock again'),
        (err: unknown) => {
          this.opts.log.warn({ err }, 'could not take the liveness lock again; retrying')
          this.scheduleReconnect(Math.min(delayMs * 2, 5000))
        },
      )
    }, delayMs)
    this.reconnectTimer.unref()
  }

  /** Releases every board still held and the liveness lock. */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.renewTimer)
    clearTimeout(this.reconnectTimer)
    const boards = this.held.size
    this.held.clear()
    if (boards > 0) await this.pool.query('DELETE FROM board_owners WHERE owner_id = $1', [this.ownerId]).catch(() => {})
    const client = this.liveness
    this.liveness = undefined
    await client?.end().catch(() => {})
  }
}
