import * as Y from 'yjs'
import {
  BALLOT_KEY_PATTERN,
  isVoteOpen,
  participantIdFromSecret,
  tally,
  validateBallot,
  validateVoteStart,
  VOTES_KEY,
  votesMap,
  type VoteState,
} from '@roundtable/shared'
import type { Connection } from '../sync/connection.ts'
import { RequestRefusal, type RequestHandler, type RoomExtension } from '../sync/extension.ts'
import type { Room } from '../sync/room.ts'
import type { RootWrite } from '../sync/updateInspection.ts'
import type { BallotStore, StoredVote } from '../storage/ballots.ts'
import { checkFits, editorsOnly, recordsOf, SERVER_ORIGIN, startingNow, str } from './common.ts'

/**
 * Secret dot votes. Ballots are held by the server (the ballot store) and never written into
 * the board; what everyone may know (settings, voter count, totals when live or closed) is
 * written into the doc's `votes` map by the server alone.
 */
export class SecretVotes implements RoomExtension {
  readonly serverOwnedRoots = [VOTES_KEY]
  /** The ballot key each connection casts under, per vote: one connection, one ballot. */
  private keyOf = new WeakMap<Connection, Map<string, string>>()
  /** The votes run on each loaded board, so that writes into `votes` are judged without asking the store. */
  private runHere = new Map<string, Set<string>>()
  /** Each board's requests, one at a time: a store that answers later must not interleave two closes. */
  private queues = new Map<string, Promise<unknown>>()

  constructor(private ballots: BallotStore) {}

  readonly requests = {
    'vote.start': this.serial((room, _conn, r) => this.startVote(room, r)),
    'vote.cast': this.serial((room, conn, r) => this.castVote(room, conn, r)),
    'vote.mine': this.serial(async (room, conn, r) => {
      const vote = await this.openVote(room, r.voteId, { allowClosed: true })
      const key = this.verify(conn, vote, r)
      const dots = await this.ballots.getBallot(room.id, vote.id, key)
      const legacy = this.legacyVoter(vote, r)
      if (legacy && Object.keys(dots).length === 0) return { dots: await this.ballots.getBallot(room.id, vote.id, legacy) }
      return { dots }
    }),
    'vote.close': this.serial(async (room, _conn, r) => {
      if (r.onlyIfEnded !== undefined && typeof r.onlyIfEnded !== 'boolean') throw new RequestRefusal('onlyIfEnded must be true or false')
      if (r.onlyIfEnded) await this.openVote(room, r.voteId, { allowClosed: true, refuseIfRunning: true })
      return this.closeVote(room, r.voteId)
    }),
  }

  async prepare(boardId: string) {
    await this.ballots.forgetLegacyBallots(boardId)
    this.runHere.set(boardId, new Set(await this.ballots.voteIds(boardId)))
  }

  onUnload(room: Room) {
    this.runHere.delete(room.id)
    this.queues.delete(room.id)
  }

  private serial(handler: (room: Room, conn: Connection, r: Record<string, unknown>) => unknown): RequestHandler {
    return editorsOnly((room, conn, r) => {
      const run = (this.queues.get(room.id) ?? Promise.resolve()).then(() => handler(room, conn, r))
      this.queues.set(
        room.id,
        run.catch(() => {}),
      )
      return run
    })
  }

  /**
   * Refuses a client's update that writes the state of votes run on this board. Closed results
   * of votes from elsewhere (an imported board) may be written.
   */
  checkUpdate(room: Room, writes: readonly RootWrite[]): string | undefined {
    for (const write of writes) {
      if (write.key === null || this.runHere.get(room.id)?.has(write.key)) return 'vote state is written by the server only'
      const value = write.value as Partial<VoteState> | undefined
      if (!write.deleted && value?.status !== 'closed') return 'only closed vote results may be written (e.g. by an import)'
    }
    return undefined
  }

  /**
   * The key a ballot is stored under, computed by the voter from their secret (ballotKey()): the
   * server never learns whose it is. A connection casts under one key per vote, so one socket
   * cannot stuff the ballot box.
   */
  private verify(conn: Connection, vote: StoredVote, r: Record<string, unknown>): string {
    const key = str(r.ballotKey, 'ballotKey', 100)
    if (!BALLOT_KEY_PATTERN.test(key)) throw new RequestRefusal('ballotKey must be 64 hex digits')
    let keys = this.keyOf.get(conn)
    if (!keys) this.keyOf.set(conn, (keys = new Map()))
    const bound = keys.get(vote.id)
    if (bound && bound !== key) throw new RequestRefusal('this connection already votes as another participant')
    keys.set(vote.id, key)
    return key
  }

  /**
   * A vote started before ballot keys may hold this person's ballot under their participant id,
   * proven (as then) by the secret it derives from; undefined for any other vote.
   */
  private legacyVoter(vote: StoredVote, r: Record<string, unknown>): string | undefined {
    if (vote.ballotKeys || r.legacyVoter === undefined) return undefined
    const proof = (r.legacyVoter ?? {}) as Record<string, unknown>
    const participantId = str(proof.participantId, 'participantId', 100)
    if (participantIdFromSecret(str(proof.secret, 'secret', 200)) !== participantId) {
      throw new RequestRefusal('wrong secret for this participant: ballots can only be cast from the device that joined as them')
    }
    return participantId
  }

  private async publishVote(room: Room, vote: StoredVote, extra: Partial<VoteState>) {
    const published: VoteState = { ...vote, voterCount: (await this.ballots.ballots(room.id, vote.id)).length, ...extra }
    Y.transact(room.doc, () => votesMap(room.doc).set(vote.id, published), SERVER_ORIGIN)
  }

  private async startVote(room: Room, r: Record<string, unknown>) {
    const checked = validateVoteStart(r)
    if (!checked.ok) throw new RequestRefusal(checked.error)
    const { durationMs, ...settings } = checked.value
    const records = recordsOf(room.doc)
    for (const id of settings.shapeIds) if (!records.has(id)) throw new RequestRefusal(`note ${id} is not on this board`)
    // One vote at a time: a second one would hide the first from everyone's panel.
    for (const id of [...votesMap(room.doc).keys()]) {
      const stored = await this.ballots.getVote(room.id, id)
      // openVote closes a vote whose timebox ran out.
      if (stored?.status === 'open' && (await this.openVote(room, id, { allowClosed: true })).status === 'open') {
        throw new RequestRefusal('a vote is already open on this board: close it first')
      }
    }
    checkFits(room, JSON.stringify(settings).length + 200, 'this vote')
    const { id, ...timebox } = startingNow(durationMs)
    const vote: StoredVote = { id, ...settings, ...timebox, status: 'open', ballotKeys: true }
    await this.ballots.createVote(room.id, vote)
    this.runHere.get(room.id)?.add(vote.id)
    await this.publishVote(room, vote, settings.showLive ? { totals: tally(vote.shapeIds, []) } : {})
    return { voteId: vote.id }
  }

  /** The vote, closing it first if its timebox ran out; refuses a closed one unless asked not to. */
  private async openVote(
    room: Room,
    voteId: unknown,
    opts: { allowClosed?: boolean; refuseIfRunning?: boolean } = {},
  ): Promise<StoredVote> {
    const vote = await this.ballots.getVote(room.id, str(voteId, 'voteId', 100))
    if (!vote) throw new RequestRefusal('there is no such vote on this board')
    if (vote.status === 'open' && !isVoteOpen(vote, Date.now())) await this.closeVote(room, vote.id)
    else if (vote.status === 'open' && opts.refuseIfRunning) throw new RequestRefusal('the timebox has not ended yet')
    else if (vote.status === 'open') return vote
    if (!opts.allowClosed) throw new RequestRefusal('this vote is closed')
    return (await this.ballots.getVote(room.id, vote.id))!
  }

  private async castVote(room: Room, conn: Connection, r: Record<string, unknown>) {
    const vote = await this.openVote(room, r.voteId)
    const key = this.verify(conn, vote, r)
    const legacy = this.legacyVoter(vote, r)
    const checked = validateBallot(vote, r.dots)
    if (!checked.ok) throw new RequestRefusal(checked.error)
    const votersBefore = (await this.ballots.ballots(room.id, vote.id)).length
    // The new ballot replaces one kept under the participant id: one person, one ballot.
    if (legacy) await this.ballots.putBallot(room.id, vote.id, legacy, {})
    await this.ballots.putBallot(room.id, vote.id, key, checked.value)
    const ballots = await this.ballots.ballots(room.id, vote.id)
    // Moving a dot changes nothing public unless totals are live, so nothing is written.
    if (vote.showLive) await this.publishVote(room, vote, { totals: tally(vote.shapeIds, ballots) })
    else if (ballots.length !== votersBefore) await this.publishVote(room, vote, {})
    return { dots: checked.value }
  }

  private async closeVote(room: Room, voteId: unknown) {
    const vote = await this.ballots.getVote(room.id, str(voteId, 'voteId', 100))
    if (!vote) throw new RequestRefusal('there is no such vote on this board')
    if (vote.status === 'closed') return { totals: vote.totals ?? {} }
    const totals = tally(vote.shapeIds, await this.ballots.ballots(room.id, vote.id))
    const closedAt = Date.now()
    await this.ballots.closeVote(room.id, vote.id, closedAt, totals)
    if (!vote.ballotKeys) await this.ballots.forgetLegacyBallots(room.id)
    await this.publishVote(room, { ...vote, status: 'closed', closedAt }, { totals })
    return { totals }
  }
}
