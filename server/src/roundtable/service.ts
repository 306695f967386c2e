import crypto from 'node:crypto'
import * as Y from 'yjs'
import type { WebSocket } from 'ws'
import {
  boardRecords,
  brainstormMap,
  DRAFTS_AWARENESS_FIELD,
  encodeRoundtable,
  indexKeysAbove,
  isVoteOpen,
  noteRecord,
  readRound,
  revealSlotPosition,
  tally,
  validateBallot,
  validateVoteStart,
  votesMap,
  type DraftCount,
  type JsonRecord,
  type RoundSlots,
  type VoteState,
} from '@roundtable/shared'
import type { Logger } from '../logger.ts'
import type { BallotStore, StoredVote } from './ballots.ts'

/** What the service needs from a room: its doc, presence, and a way to answer one socket. */
export interface RoundtableRoom {
  readonly id: string
  readonly doc: Y.Doc
  readonly awareness: { getStates(): Map<number, Record<string, unknown>> }
  /** Each open connection with the awareness client ids it controls. */
  connections(): ReadonlyMap<WebSocket, ReadonlySet<number>>
  /** Whether the connection came in through a view-only link. */
  isReadOnly(conn: WebSocket): boolean
  /** Stores (then broadcasts) what was written to the doc so far. */
  flush(): void
  sendTo(conn: WebSocket, message: Uint8Array): void
}

/** A refusal the requester should read: sent back as `{ ok: false, error }`. */
class RequestError extends Error {}

/** Transaction origin of everything the server writes itself (vote state, anonymous notes). */
export const SERVER_ORIGIN = Symbol('roundtable-server')

/** How long an anonymous reveal waits for everyone's drafts before publishing what it has. */
export const ANONYMOUS_COLLECT_MS = 1500
const MAX_NOTES_PER_PERSON = 200
const MAX_NOTE_CHARS = 4000

interface AnonymousBatch {
  roundId: string
  entries: { conn: WebSocket; notes: string[]; resolve: (n: number) => void; reject: (e: Error) => void }[]
  timer: NodeJS.Timeout
}

const str = (v: unknown, name: string, max = 200): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new RequestError(`${name} must be a non-empty string`)
  return v
}

/**
 * Roundtable requests on the sync socket: secret dot votes and anonymous reveals. Replies go only
 * to the socket that asked; what everyone may know (vote settings, voter count, totals, revealed
 * notes) is written into the doc by the server under its own Yjs client id.
 */
export class RoundtableService {
  private batches = new Map<RoundtableRoom, AnonymousBatch>()
  private kv = new WeakMap<Y.Doc, ReturnType<typeof boardRecords>>()

  constructor(
    private ballots: BallotStore,
    private log: Logger,
  ) {}

  handle = (room: RoundtableRoom, conn: WebSocket, request: { id: number; [key: string]: unknown }) => {
    const answer = (reply: object) => {
      // What a reply reports (a vote started, notes published) is stored before the asker hears of it.
      room.flush()
      room.sendTo(conn, encodeRoundtable({ id: request.id, ...reply }))
    }
    const fail = (err: unknown) => {
      if (err instanceof RequestError) return answer({ ok: false, error: err.message })
      this.log.error({ boardId: room.id, err }, 'roundtable request failed')
      answer({ ok: false, error: 'the server could not handle this request' })
    }
    try {
      // A view-only link may watch a vote or a reveal, never take part: no ballots, no drafts,
      // nothing the server would write into the board on its behalf.
      if (room.isReadOnly(conn)) throw new RequestError('view-only link: voting and publishing notes need the board’s edit link')
      const result = this.dispatch(room, conn, request)
      if (result instanceof Promise) result.then((r) => answer({ ok: true, result: r }), fail)
      else answer({ ok: true, result })
    } catch (err) {
      fail(err)
    }
  }

  private dispatch(room: RoundtableRoom, conn: WebSocket, r: Record<string, unknown>): unknown {
    switch (r.op) {
      case 'hello':
        this.verify(r)
        return {}
      case 'vote.start':
        return this.startVote(room, r)
      case 'vote.cast':
        return this.castVote(room, r)
      case 'vote.mine': {
        const participantId = this.verify(r)
        const vote = this.openVote(room, r.voteId, { allowClosed: true })
        return { dots: this.ballots.getBallot(room.id, vote.id, participantId) }
      }
      case 'vote.close': {
        if (r.onlyIfEnded !== undefined && typeof r.onlyIfEnded !== 'boolean') throw new RequestError('onlyIfEnded must be true or false')
        if (r.onlyIfEnded) this.openVote(room, r.voteId, { allowClosed: true, refuseIfRunning: true })
        return this.closeVote(room, r.voteId)
      }
      case 'round.claim': {
        const round = this.revealedRound(room, r.roundId)
        return { firstSlot: this.claimSlots(room, round.roundId, this.count(r.count)) }
      }
      case 'round.publishAnonymous':
        return this.collectAnonymous(room, conn, r)
      default:
        throw new RequestError(`unknown op ${JSON.stringify(r.op)}`)
    }
  }

  private count(v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_NOTES_PER_PERSON) {
      throw new RequestError(`count must be a whole number from 1 to ${MAX_NOTES_PER_PERSON}`)
    }
    return v
  }

  private records(doc: Y.Doc): ReturnType<typeof boardRecords> {
    let kv = this.kv.get(doc)
    if (!kv) this.kv.set(doc, (kv = boardRecords(doc)))
    return kv
  }

  // --- dot votes -------------------------------------------------------------------------

  private verify(r: Record<string, unknown>): string {
    const participantId = str(r.participantId, 'participantId', 100)
    const secret = str(r.secret, 'secret', 200)
    if (!this.ballots.verifyParticipant(participantId, secret)) {
      throw new RequestError('wrong secret for this participant: ballots can only be cast from the device that joined as them')
    }
    return participantId
  }

  private publishVote(room: RoundtableRoom, vote: StoredVote, extra: Partial<VoteState>) {
    const published: VoteState = { ...vote, voterCount: this.ballots.ballots(room.id, vote.id).length, ...extra }
    Y.transact(room.doc, () => votesMap(room.doc).set(vote.id, published), SERVER_ORIGIN)
  }

  private startVote(room: RoundtableRoom, r: Record<string, unknown>) {
    const checked = validateVoteStart(r)
    if (!checked.ok) throw new RequestError(checked.error)
    const { durationMs, ...settings } = checked.value
    const records = this.records(room.doc)
    for (const id of settings.shapeIds) if (!records.has(id)) throw new RequestError(`note ${id} is not on this board`)
    const now = Date.now()
    const vote: StoredVote = {
      id: crypto.randomBytes(9).toString('base64url'),
      ...settings,
      startedAt: now,
      endsAt: durationMs === null ? null : now + durationMs,
      status: 'open',
    }
    this.ballots.createVote(room.id, vote)
    this.publishVote(room, vote, settings.showLive ? { totals: tally(vote.shapeIds, []) } : {})
    return { voteId: vote.id }
  }

  /** The vote, closing it first if its timebox ran out; refuses a closed one unless asked not to. */
  private openVote(room: RoundtableRoom, voteId: unknown, opts: { allowClosed?: boolean; refuseIfRunning?: boolean } = {}): StoredVote {
    const vote = this.ballots.getVote(room.id, str(voteId, 'voteId', 100))
    if (!vote) throw new RequestError('there is no such vote on this board')
    if (vote.status === 'open' && !isVoteOpen(vote, Date.now())) this.closeVote(room, vote.id)
    else if (vote.status === 'open' && opts.refuseIfRunning) throw new RequestError('the timebox has not ended yet')
    else if (vote.status === 'open') return vote
    if (!opts.allowClosed) throw new RequestError('this vote is closed')
    return this.ballots.getVote(room.id, vote.id)!
  }

  private castVote(room: RoundtableRoom, r: Record<string, unknown>) {
    const participantId = this.verify(r)
    const vote = this.openVote(room, r.voteId)
    const checked = validateBallot(vote, r.dots)
    if (!checked.ok) throw new RequestError(checked.error)
    const votersBefore = this.ballots.ballots(room.id, vote.id).length
    this.ballots.putBallot(room.id, vote.id, participantId, checked.value)
    const ballots = this.ballots.ballots(room.id, vote.id)
    // Moving a dot changes nothing public unless totals are live, so nothing is written.
    if (vote.showLive) this.publishVote(room, vote, { totals: tally(vote.shapeIds, ballots) })
    else if (ballots.length !== votersBefore) this.publishVote(room, vote, {})
    return { dots: checked.value }
  }

  private closeVote(room: RoundtableRoom, voteId: unknown) {
    const vote = this.ballots.getVote(room.id, str(voteId, 'voteId', 100))
    if (!vote) throw new RequestError('there is no such vote on this board')
    if (vote.status === 'closed') return { totals: vote.totals ?? {} }
    const totals = tally(vote.shapeIds, this.ballots.ballots(room.id, vote.id))
    const closedAt = Date.now()
    this.ballots.closeVote(room.id, vote.id, closedAt, totals)
    this.publishVote(room, { ...vote, status: 'closed', closedAt }, { totals })
    return { totals }
  }

  // --- silent brainstorm reveal ------------------------------------------------------------

  private revealedRound(room: RoundtableRoom, roundId: unknown) {
    const round = readRound(room.doc)
    if (!round || round.roundId !== str(roundId, 'roundId', 100)) throw new RequestError('that brainstorm round is not the current one')
    if (round.revealedAt === null) throw new RequestError('the round has not been revealed yet')
    return round
  }

  private claimSlots(room: RoundtableRoom, roundId: string, count: number): number {
    const map = brainstormMap(room.doc)
    const slots = map.get('slots') as RoundSlots | undefined
    const first = slots?.roundId === roundId ? slots.used : 0
    Y.transact(room.doc, () => map.set('slots', { roundId, used: first + count } satisfies RoundSlots), SERVER_ORIGIN)
    return first
  }

  private collectAnonymous(room: RoundtableRoom, conn: WebSocket, r: Record<string, unknown>): Promise<{ published: number }> {
    const round = this.revealedRound(room, r.roundId)
    if (!round.anonymous) throw new RequestError('this round publishes with names; claim places instead')
    if (!Array.isArray(r.notes) || r.notes.length > MAX_NOTES_PER_PERSON) {
      throw new RequestError(`notes must be a list of at most ${MAX_NOTES_PER_PERSON} texts`)
    }
    if (!r.notes.every((n) => typeof n === 'string' && n.length <= MAX_NOTE_CHARS)) {
      throw new RequestError(`each note must be text of at most ${MAX_NOTE_CHARS} characters`)
    }
    const notes = (r.notes as string[]).map((n) => n.trim()).filter(Boolean)
    let batch = this.batches.get(room)
    if (batch && batch.roundId !== round.roundId) {
      this.flush(room)
      batch = undefined
    }
    if (!batch) {
      const created: AnonymousBatch = { roundId: round.roundId, entries: [], timer: setTimeout(() => this.flush(room), ANONYMOUS_COLLECT_MS) }
      this.batches.set(room, created)
      batch = created
    }
    const current = batch
    const done = new Promise<number>((resolve, reject) => current.entries.push({ conn, notes, resolve, reject }))
    if (this.everyoneHandedIn(room, current)) this.flush(room)
    return done.then((published) => ({ published }))
  }

  /**
   * Notes are published together so that no single insert matches one person's draft count
   * (which awareness shows): wait until every connection showing drafts for the round has
   * handed them in, or the collection window closes.
   */
  private everyoneHandedIn(room: RoundtableRoom, batch: AnonymousBatch): boolean {
    const states = room.awareness.getStates()
    const handedIn = new Set(batch.entries.map((e) => e.conn))
    for (const [conn, clients] of room.connections()) {
      if (handedIn.has(conn)) continue
      for (const client of clients) {
        const drafts = states.get(client)?.[DRAFTS_AWARENESS_FIELD] as DraftCount | undefined
        if (drafts && drafts.roundId === batch.roundId && drafts.count > 0) return false
      }
    }
    return true
  }

  /** Inserts every collected note in one update, shuffled, with no author. */
  private flush(room: RoundtableRoom) {
    const batch = this.batches.get(room)
    if (!batch) return
    this.batches.delete(room)
    clearTimeout(batch.timer)
    const texts = batch.entries.flatMap((e) => e.notes)
    for (let i = texts.length - 1; i > 0; i--) {
      const j = crypto.randomInt(i + 1)
      ;[texts[i], texts[j]] = [texts[j], texts[i]]
    }
    try {
      const round = readRound(room.doc)
      if (!round || round.roundId !== batch.roundId) throw new RequestError('a new brainstorm round started before these notes were published')
      if (texts.length > 0) {
        const records = this.records(room.doc)
        const pages = [...records.map.values()].map((e) => e.val).filter((v) => v.typeName === 'page')
        const pageId = pages.some((p) => p.id === round.pageId) ? round.pageId : pages[0]?.id
        if (!pageId) throw new RequestError('the board has no page to publish onto')
        let highest: string | undefined
        for (const { val } of records.map.values()) {
          const index = val.index as string | undefined
          if (val.parentId === pageId && index && (!highest || index > highest)) highest = index
        }
        const indices = indexKeysAbove(highest, texts.length)
        // One transaction, so one update: the places and every note arrive together.
        Y.transact(
          room.doc,
          () => {
            const first = this.claimSlots(room, batch.roundId, texts.length)
            texts.forEach((text, i) => {
              const at = revealSlotPosition(round.anchor, first + i)
              const id = `shape:${crypto.randomBytes(12).toString('base64url')}`
              records.set(id, noteRecord({ id, parentId: pageId, index: indices[i], at, text }) as unknown as JsonRecord)
            })
          },
          SERVER_ORIGIN,
        )
      }
      for (const e of batch.entries) e.resolve(e.notes.length)
    } catch (err) {
      for (const e of batch.entries) e.reject(err as Error)
    }
  }

  /** Publishes whatever is waiting, e.g. before the server stops. */
  flushAll() {
    for (const room of [...this.batches.keys()]) this.flush(room)
  }
}
