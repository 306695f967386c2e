import crypto from 'node:crypto'
import * as Y from 'yjs'
import type { WebSocket } from 'ws'
import {
  BRAINSTORM_KEY,
  boardRecords,
  brainstormMap,
  DRAFTS_AWARENESS_FIELD,
  encodeRoundtable,
  findRound,
  indexKeysAbove,
  isVoteOpen,
  noteRecord,
  PAST_ROUND_PREFIX,
  participantIdFromSecret,
  readRound,
  revealSlotPosition,
  tally,
  validateBallot,
  validateRoundStart,
  validateVoteStart,
  VOTES_KEY,
  votesMap,
  type DraftCount,
  type JsonRecord,
  type PastRound,
  type RoundSlots,
  type RoundState,
  type RoundtableErrorCode,
  type VoteState,
} from '@roundtable/shared'
import type { RootWrite } from '../updateChanges.ts'
import type { Logger } from '../logger.ts'
import type { BallotStore, StoredVote } from '../storage/ballots.ts'

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
  /** Whether `bytes` more would keep the board within its size limit. */
  fits(bytes: number): boolean
}

/** A refusal the requester should read: sent back as `{ ok: false, error, code? }`. */
class RequestError extends Error {
  constructor(
    message: string,
    readonly code?: RoundtableErrorCode,
  ) {
    super(message)
  }
}

/** The doc's top-level maps only the server writes: vote state and the brainstorm round. */
export const SERVER_OWNED: ReadonlySet<string> = new Set([VOTES_KEY, BRAINSTORM_KEY])

/** Transaction origin of everything the server writes itself (vote state, anonymous notes). */
export const SERVER_ORIGIN = Symbol('roundtable-server')

/**
 * How long an anonymous reveal waits for the drafts of everyone who had some when it was
 * revealed. Clients hand theirs in as soon as they see the reveal, so this bounds only the wait
 * for someone whose connection dropped.
 */
export const ANONYMOUS_COLLECT_MS = 5000
const MAX_NOTES_PER_PERSON = 200
const MAX_NOTE_CHARS = 4000

interface AnonymousBatch {
  roundId: string
  /** Connections that showed drafts when the round was revealed: the batch waits for them. */
  expected: Set<WebSocket>
  entries: { conn: WebSocket; notes: string[]; resolve: (n: number) => void; reject: (e: Error) => void }[]
  timer?: NodeJS.Timeout
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
  /** The participant each connection votes as: one connection, one ballot. */
  private voterOf = new WeakMap<WebSocket, string>()
  /** Rounds each connection has handed notes in for, so one connection cannot flood a reveal. */
  private handedIn = new WeakMap<WebSocket, Set<string>>()

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
      if (err instanceof RequestError) return answer({ ok: false, error: err.message, ...(err.code ? { code: err.code } : {}) })
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
      case 'vote.start':
        return this.startVote(room, r)
      case 'vote.cast':
        return this.castVote(room, conn, r)
      case 'vote.mine': {
        const participantId = this.verify(conn, r)
        const vote = this.openVote(room, r.voteId, { allowClosed: true })
        return { dots: this.ballots.getBallot(room.id, vote.id, participantId) }
      }
      case 'vote.close': {
        if (r.onlyIfEnded !== undefined && typeof r.onlyIfEnded !== 'boolean') throw new RequestError('onlyIfEnded must be true or false')
        if (r.onlyIfEnded) this.openVote(room, r.voteId, { allowClosed: true, refuseIfRunning: true })
        return this.closeVote(room, r.voteId)
      }
      case 'round.start':
        return this.startRound(room, r)
      case 'round.reveal':
        return this.revealRound(room, r)
      case 'round.claim': {
        const round = this.revealedRound(room, r.roundId)
        if (round.anonymous) throw new RequestError('this round publishes anonymously; hand the notes to the server instead')
        const count = this.count(r.count)
        this.claimOnce(conn, round.roundId)
        return { firstSlot: this.claimSlots(room, round.roundId, count) }
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

  /**
   * Ballots are cast by a participant, proven by the secret their public id is derived from;
   * a connection votes as one participant only, so one socket cannot stuff the ballot box.
   */
  private verify(conn: WebSocket, r: Record<string, unknown>): string {
    const participantId = str(r.participantId, 'participantId', 100)
    const secret = str(r.secret, 'secret', 200)
    if (participantIdFromSecret(secret) !== participantId) {
      throw new RequestError('wrong secret for this participant: ballots can only be cast from the device that joined as them')
    }
    const bound = this.voterOf.get(conn)
    if (bound && bound !== participantId) throw new RequestError('this connection already votes as another participant')
    this.voterOf.set(conn, participantId)
    return participantId
  }

  /**
   * Refuses a client's update that writes what only the server may: the brainstorm round, and
   * the state of votes run on this board. Closed results of votes from elsewhere (an imported
   * board) may be written. Returns why, or undefined when the update is fine.
   */
  checkClientUpdate = (room: RoundtableRoom, writes: readonly RootWrite[]): string | undefined => {
    for (const write of writes) {
      if (write.root === BRAINSTORM_KEY) return 'the silent round is kept by the server: start and reveal it through Roundtable requests'
      if (write.key === null || this.ballots.getVote(room.id, write.key)) return 'vote state is written by the server only'
      const value = write.value as Partial<VoteState> | undefined
      if (!write.deleted && value?.status !== 'closed') return 'only closed vote results may be written (e.g. by an import)'
    }
    return undefined
  }

  /** Pass to the room: a connection that left is no longer waited for. */
  onLeave = (room: RoundtableRoom) => {
    const batch = this.batches.get(room)
    if (batch && this.everyoneHandedIn(room, batch)) this.flush(room)
  }

  private publishVote(room: RoundtableRoom, vote: StoredVote, extra: Partial<VoteState>) {
    const published: VoteState = { ...vote, voterCount: this.ballots.ballots(room.id, vote.id).length, ...extra }
    Y.transact(room.doc, () => votesMap(room.doc).set(vote.id, published), SERVER_ORIGIN)
  }

  /** Refuses to write `what` when it would take the board past its size limit. */
  private checkFits(room: RoundtableRoom, bytes: number, what: string) {
    if (!room.fits(bytes)) throw new RequestError(`the board is full: ${what} would take it past its size limit`)
  }

  private startVote(room: RoundtableRoom, r: Record<string, unknown>) {
    const checked = validateVoteStart(r)
    if (!checked.ok) throw new RequestError(checked.error)
    const { durationMs, ...settings } = checked.value
    const records = this.records(room.doc)
    for (const id of settings.shapeIds) if (!records.has(id)) throw new RequestError(`note ${id} is not on this board`)
    // One vote at a time: a second one would hide the first from everyone's panel.
    for (const id of votesMap(room.doc).keys()) {
      const stored = this.ballots.getVote(room.id, id)
      // openVote closes a vote whose timebox ran out.
      if (stored?.status === 'open' && this.openVote(room, id, { allowClosed: true }).status === 'open') {
        throw new RequestError('a vote is already open on this board: close it first')
      }
    }
    this.checkFits(room, JSON.stringify(settings).length + 200, 'this vote')
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

  private castVote(room: RoundtableRoom, conn: WebSocket, r: Record<string, unknown>) {
    const participantId = this.verify(conn, r)
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

  // --- silent brainstorm --------------------------------------------------------------------

  private startRound(room: RoundtableRoom, r: Record<string, unknown>) {
    const checked = validateRoundStart(r)
    if (!checked.ok) throw new RequestError(checked.error)
    const { durationMs, ...settings } = checked.value
    const map = brainstormMap(room.doc)
    const previous = readRound(room.doc)
    if (previous && previous.revealedAt === null) throw new RequestError('a silent round is already running: reveal it first')
    this.checkFits(room, JSON.stringify(settings).length + 300, 'this round')
    const now = Date.now()
    const round: RoundState = {
      roundId: crypto.randomBytes(9).toString('base64url'),
      ...settings,
      startedAt: now,
      endsAt: durationMs === null ? null : now + durationMs,
      revealedAt: null,
    }
    Y.transact(
      room.doc,
      () => {
        // The round before is kept, so drafts from it can still be published by those who come back.
        if (previous)
          map.set(PAST_ROUND_PREFIX + previous.roundId, {
            ...previous,
            used: findRound(room.doc, previous.roundId)!.used,
          } satisfies PastRound)
        map.set('round', round)
        map.delete('slots')
      },
      SERVER_ORIGIN,
    )
    return { roundId: round.roundId }
  }

  private revealRound(room: RoundtableRoom, r: Record<string, unknown>) {
    const round = readRound(room.doc)
    if (!round || round.roundId !== str(r.roundId, 'roundId', 100)) throw new RequestError('that silent round is not the current one')
    if (r.onlyIfEnded !== undefined && typeof r.onlyIfEnded !== 'boolean') throw new RequestError('onlyIfEnded must be true or false')
    if (round.revealedAt !== null) return {}
    if (r.onlyIfEnded && (round.endsAt === null || Date.now() < round.endsAt)) throw new RequestError('the timebox has not ended yet')
    if (round.anonymous) {
      // Everyone showing drafts now is waited for, so that no one's notes are published apart.
      const states = room.awareness.getStates()
      const expected = new Set<WebSocket>()
      for (const [conn, clients] of room.connections()) {
        for (const client of clients) {
          const drafts = states.get(client)?.[DRAFTS_AWARENESS_FIELD] as DraftCount | undefined
          if (drafts?.roundId === round.roundId && drafts.count > 0) expected.add(conn)
        }
      }
      this.flush(room)
      if (expected.size > 0) {
        const batch: AnonymousBatch = { roundId: round.roundId, expected, entries: [] }
        batch.timer = setTimeout(() => this.flush(room), ANONYMOUS_COLLECT_MS)
        this.batches.set(room, batch)
      }
    }
    Y.transact(room.doc, () => brainstormMap(room.doc).set('round', { ...round, revealedAt: Date.now() }), SERVER_ORIGIN)
    return {}
  }

  /** A revealed round, the current one or an earlier one. */
  private revealedRound(room: RoundtableRoom, roundId: unknown): RoundState {
    const found = findRound(room.doc, str(roundId, 'roundId', 100))
    if (!found) throw new RequestError('there is no such silent round on this board')
    if (found.round.revealedAt === null) throw new RequestError('the round has not been revealed yet')
    return found.round
  }

  /** Each connection hands in (or claims places for) its notes once per round. */
  private refuseIfHandedIn(conn: WebSocket, roundId: string) {
    if (this.handedIn.get(conn)?.has(roundId)) throw new RequestError('your notes for this round were published already')
  }

  private claimOnce(conn: WebSocket, roundId: string) {
    this.refuseIfHandedIn(conn, roundId)
    this.handedIn.set(conn, (this.handedIn.get(conn) ?? new Set<string>()).add(roundId))
  }

  private claimSlots(room: RoundtableRoom, roundId: string, count: number): number {
    const map = brainstormMap(room.doc)
    const found = findRound(room.doc, roundId)!
    Y.transact(
      room.doc,
      () => {
        if (found.current) map.set('slots', { roundId, used: found.used + count } satisfies RoundSlots)
        else map.set(PAST_ROUND_PREFIX + roundId, { ...found.round, used: found.used + count } satisfies PastRound)
      },
      SERVER_ORIGIN,
    )
    return found.used
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
    if (r.alone !== undefined && typeof r.alone !== 'boolean') throw new RequestError('alone must be true or false')
    const notes = (r.notes as string[]).map((n) => n.trim()).filter(Boolean)
    this.refuseIfHandedIn(conn, round.roundId)
    const batch = this.batches.get(room)
    const collecting = batch?.roundId === round.roundId
    if (collecting && batch.entries.some((e) => e.conn === conn)) throw new RequestError('your notes for this round are handed in already')
    if (!collecting && !r.alone) {
      throw new RequestError(
        'the others’ notes were published already: yours would appear on their own, so others could tell they are yours',
        'alone',
      )
    }
    this.checkFits(
      room,
      notes.reduce((sum, n) => sum + n.length + 400, 0),
      'these notes',
    )
    const joined: AnonymousBatch = collecting ? batch! : { roundId: round.roundId, expected: new Set(), entries: [] }
    const done = new Promise<number>((resolve, reject) => joined.entries.push({ conn, notes, resolve, reject }))
    if (collecting) {
      if (this.everyoneHandedIn(room, joined)) this.flush(room)
    } else {
      this.publish(room, joined, { alone: true })
    }
    return done.then((published) => {
      this.claimOnce(conn, round.roundId)
      return { published }
    })
  }

  /** Whether every connection the batch waits for has handed in or left. */
  private everyoneHandedIn(room: RoundtableRoom, batch: AnonymousBatch): boolean {
    const open = room.connections()
    const handedIn = new Set(batch.entries.map((e) => e.conn))
    for (const conn of batch.expected) if (open.has(conn) && !handedIn.has(conn)) return false
    return true
  }

  /** Publishes the room's collecting batch (when its wait ends, or everyone is in). */
  private flush(room: RoundtableRoom) {
    const batch = this.batches.get(room)
    if (!batch) return
    this.batches.delete(room)
    clearTimeout(batch.timer)
    this.publish(room, batch, { alone: false })
  }

  /**
   * Inserts every collected note in one update, shuffled, with no author. Notes from a single
   * writer are published only when they chose to (`alone`): on their own, they could be told apart.
   */
  private publish(room: RoundtableRoom, batch: AnonymousBatch, { alone }: { alone: boolean }) {
    const writers = batch.entries.filter((e) => e.notes.length > 0)
    if (!alone && writers.length === 1) {
      const err = new RequestError(
        'nobody else’s notes came in: yours would appear on their own, so others could tell they are yours',
        'alone',
      )
      for (const e of batch.entries) {
        if (e.notes.length) e.reject(err)
        else e.resolve(0)
      }
      return
    }
    const texts = batch.entries.flatMap((e) => e.notes)
    for (let i = texts.length - 1; i > 0; i--) {
      const j = crypto.randomInt(i + 1)
      ;[texts[i], texts[j]] = [texts[j], texts[i]]
    }
    try {
      const round = findRound(room.doc, batch.roundId)?.round
      if (!round) throw new RequestError('there is no such silent round on this board')
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
