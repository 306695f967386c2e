import crypto from 'node:crypto'
import * as Y from 'yjs'
import {
  BRAINSTORM_KEY,
  brainstormMap,
  DRAFTS_AWARENESS_FIELD,
  draftCountsByParticipant,
  findRound,
  indexKeysAbove,
  noteRecord,
  PAST_ROUND_PREFIX,
  readRound,
  revealSlotPosition,
  validateRoundStart,
  type DraftCount,
  type JsonRecord,
  type PastRound,
  type RoundSlots,
  type RoundState,
} from '@roundtable/shared'
import type { Connection } from '../sync/connection.ts'
import { RequestRefusal, type RoomExtension, type UnloadReason } from '../sync/extension.ts'
import type { Room } from '../sync/room.ts'
import { checkFits, editorsOnly, recordsOf, SERVER_ORIGIN, startingNow, str } from './common.ts'

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
  expected: Set<Connection>
  entries: { conn: Connection; notes: string[]; resolve: (n: number) => void; reject: (e: Error) => void }[]
  timer?: NodeJS.Timeout
}

/**
 * Silent brainstorm rounds. Drafts stay on each writer's device; the server starts and reveals
 * rounds (it alone writes the `brainstorm` map, so nobody can flip a round from anonymous to
 * named), hands out places for named notes, and publishes anonymous notes itself: collected
 * from everyone who showed drafts at the reveal, shuffled, in one update under its own client id.
 */
export class SilentRounds implements RoomExtension {
  readonly serverOwnedRoots = [BRAINSTORM_KEY]
  private batches = new Map<Room, AnonymousBatch>()
  /** Rounds each connection has handed notes in for, so one connection cannot flood a reveal. */
  private handedIn = new WeakMap<Connection, Set<string>>()

  readonly requests = {
    'round.start': editorsOnly((room, _conn, r) => this.startRound(room, r)),
    'round.reveal': editorsOnly((room, _conn, r) => this.revealRound(room, r)),
    'round.claim': editorsOnly((room, conn, r) => {
      const round = this.revealedRound(room, r.roundId)
      if (round.anonymous) throw new RequestRefusal('this round publishes anonymously; hand the notes to the server instead')
      const count = this.count(r.count)
      this.claimOnce(conn, round.roundId)
      return { firstSlot: this.claimSlots(room, round.roundId, count) }
    }),
    'round.publishAnonymous': editorsOnly((room, conn, r) => this.collectAnonymous(room, conn, r)),
  }

  checkUpdate(): string {
    return 'the silent round is kept by the server: start and reveal it through requests'
  }

  /** A connection that left is no longer waited for. */
  onLeave(room: Room) {
    const batch = this.batches.get(room)
    if (batch && this.everyoneHandedIn(room, batch)) this.flush(room)
  }

  /** Anonymous notes waiting for the rest of the group are published, not dropped. */
  onUnload(room: Room, why: UnloadReason) {
    if (why === 'failed') {
      const batch = this.batches.get(room)
      this.batches.delete(room)
      clearTimeout(batch?.timer)
      return
    }
    this.flush(room)
  }

  private count(v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_NOTES_PER_PERSON) {
      throw new RequestRefusal(`count must be a whole number from 1 to ${MAX_NOTES_PER_PERSON}`)
    }
    return v
  }

  private startRound(room: Room, r: Record<string, unknown>) {
    const checked = validateRoundStart(r)
    if (!checked.ok) throw new RequestRefusal(checked.error)
    const { durationMs, ...settings } = checked.value
    const map = brainstormMap(room.doc)
    const previous = readRound(room.doc)
    if (previous && previous.revealedAt === null) throw new RequestRefusal('a silent round is already running: reveal it first')
    checkFits(room, JSON.stringify(settings).length + 300, 'this round')
    const { id: roundId, ...timebox } = startingNow(durationMs)
    const round: RoundState = { roundId, ...settings, ...timebox, revealedAt: null }
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

  private revealRound(room: Room, r: Record<string, unknown>) {
    const round = readRound(room.doc)
    if (!round || round.roundId !== str(r.roundId, 'roundId', 100)) throw new RequestRefusal('that silent round is not the current one')
    if (r.onlyIfEnded !== undefined && typeof r.onlyIfEnded !== 'boolean') throw new RequestRefusal('onlyIfEnded must be true or false')
    if (round.revealedAt !== null) return {}
    if (r.onlyIfEnded && (round.endsAt === null || Date.now() < round.endsAt)) throw new RequestRefusal('the timebox has not ended yet')
    const states = room.awareness.getStates()
    // Who took part, from the draft counts everyone saw during the round: participation credits
    // them without tying anyone to a note.
    const wrote = draftCountsByParticipant(states.values(), round.roundId)
    if (round.anonymous) {
      // Everyone showing drafts now is waited for, so that no one's notes are published apart.
      const expected = new Set<Connection>()
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
    Y.transact(room.doc, () => brainstormMap(room.doc).set('round', { ...round, revealedAt: Date.now(), wrote }), SERVER_ORIGIN)
    return {}
  }

  /** A revealed round, the current one or an earlier one. */
  private revealedRound(room: Room, roundId: unknown): RoundState {
    const found = findRound(room.doc, str(roundId, 'roundId', 100))
    if (!found) throw new RequestRefusal('there is no such silent round on this board')
    if (found.round.revealedAt === null) throw new RequestRefusal('the round has not been revealed yet')
    return found.round
  }

  /** Each connection hands in (or claims places for) its notes once per round. */
  private refuseIfHandedIn(conn: Connection, roundId: string) {
    if (this.handedIn.get(conn)?.has(roundId)) throw new RequestRefusal('your notes for this round were published already')
  }

  private claimOnce(conn: Connection, roundId: string) {
    this.refuseIfHandedIn(conn, roundId)
    this.handedIn.set(conn, (this.handedIn.get(conn) ?? new Set<string>()).add(roundId))
  }

  private claimSlots(room: Room, roundId: string, count: number): number {
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

  private collectAnonymous(room: Room, conn: Connection, r: Record<string, unknown>): Promise<{ published: number }> {
    const round = this.revealedRound(room, r.roundId)
    if (!round.anonymous) throw new RequestRefusal('this round publishes with names; claim places instead')
    if (!Array.isArray(r.notes) || r.notes.length > MAX_NOTES_PER_PERSON) {
      throw new RequestRefusal(`notes must be a list of at most ${MAX_NOTES_PER_PERSON} texts`)
    }
    if (!r.notes.every((n) => typeof n === 'string' && n.length <= MAX_NOTE_CHARS)) {
      throw new RequestRefusal(`each note must be text of at most ${MAX_NOTE_CHARS} characters`)
    }
    if (r.alone !== undefined && typeof r.alone !== 'boolean') throw new RequestRefusal('alone must be true or false')
    const notes = (r.notes as string[]).map((n) => n.trim()).filter(Boolean)
    this.refuseIfHandedIn(conn, round.roundId)
    const batch = this.batches.get(room)
    const collecting = batch?.roundId === round.roundId
    if (collecting && batch.entries.some((e) => e.conn === conn))
      throw new RequestRefusal('your notes for this round are handed in already')
    if (!collecting && !r.alone) {
      throw new RequestRefusal(
        'the others’ notes were published already: yours would appear on their own, so others could tell they are yours',
        'alone',
      )
    }
    checkFits(
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
  private everyoneHandedIn(room: Room, batch: AnonymousBatch): boolean {
    const open = room.connections()
    const handedIn = new Set(batch.entries.map((e) => e.conn))
    for (const conn of batch.expected) if (open.has(conn) && !handedIn.has(conn)) return false
    return true
  }

  /** Publishes the room's collecting batch (when its wait ends, or everyone is in). */
  private flush(room: Room) {
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
  private publish(room: Room, batch: AnonymousBatch, { alone }: { alone: boolean }) {
    const writers = batch.entries.filter((e) => e.notes.length > 0)
    if (!alone && writers.length === 1) {
      const err = new RequestRefusal(
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
      if (!round) throw new RequestRefusal('there is no such silent round on this board')
      if (texts.length > 0) {
        const records = recordsOf(room.doc)
        const pages = [...records.map.values()].map((e) => e.val).filter((v) => v.typeName === 'page')
        const pageId = pages.some((p) => p.id === round.pageId) ? round.pageId : pages[0]?.id
        if (!pageId) throw new RequestRefusal('the board has no page to publish onto')
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
}
