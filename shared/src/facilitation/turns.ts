import { forkEntry, sortLog, type LogEntry } from './log.ts'
import { roundsState, roundTurnsTaken } from './rounds.ts'
import { presentationState } from './present.ts'

/**
 * Raised hands, replayed from the session log like the baton, so every device that has the same
 * entries sees the same queue and the same person called. A call names its turn (1, 2, …): the
 * first call for a turn in log order counts and any other call for that turn is void, so two
 * people pressing "Call next" at the same moment call one person, whichever queue each of them saw.
 */

export interface RaisedHand {
  id: string
  name: string
  /** Server time the hand went up: the queue's order. */
  since: number
  forBaton: boolean
}

export interface CalledTurn {
  turn: number
  id: string
  name: string
  at: number
  byName: string
  passed: boolean
}

export interface HandsState {
  /** In order of raising (then by participant id). */
  queue: RaisedHand[]
  /** The latest call, passed or not. */
  called: CalledTurn | undefined
  /** Every call, oldest first. */
  calls: CalledTurn[]
  /** The number of calls so far; the next call is for `turn + 1`. */
  turn: number
  /** Entries that changed nothing (a call that lost a race, a second lowering): the timeline leaves them out. */
  voided: Set<string>
}

export function handsState(entries: readonly LogEntry[]): HandsState {
  const hands = new Map<string, RaisedHand>()
  const voided = new Set<string>()
  let called: CalledTurn | undefined
  const calls: CalledTurn[] = []
  let turn = 0
  for (const e of sortLog(entries)) {
    switch (e.kind) {
      case 'hand.raise': {
        const hand = hands.get(e.by)
        if (hand && (hand.forBaton || !e.forBaton)) voided.add(e.id)
        // Offering the baton with a hand already up keeps its place in the queue.
        hands.set(e.by, { id: e.by, name: e.byName, since: hand?.since ?? e.at, forBaton: !!e.forBaton || !!hand?.forBaton })
        break
      }
      case 'hand.lower':
      case 'hand.remove': {
        const id = e.kind === 'hand.lower' ? e.by : e.to!
        if (!hands.delete(id)) voided.add(e.id)
        break
      }
      case 'hand.call':
        if (e.turn !== turn + 1) {
          voided.add(e.id)
          break
        }
        turn = e.turn
        called = { turn, id: e.to!, name: e.toName ?? 'Someone', at: e.at, byName: e.byName, passed: false }
        calls.push(called)
        hands.delete(e.to!)
        break
      case 'board.fork':
        // A fork starts without the hands and the call of the original's people.
        hands.clear()
        called = undefined
        break
      case 'hand.pass':
        if (called && !called.passed && called.id === e.by && called.turn === e.turn) called.passed = true
        else voided.add(e.id)
        break
    }
  }
  const queue = [...hands.values()].sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return { queue, called, calls, turn, voided }
}

/** Whom "Call next" calls: the first hand in the queue whose person is here (those who left are skipped). */
export function nextToCall(queue: readonly RaisedHand[], present: ReadonlySet<string>): RaisedHand | undefined {
  return queue.find((h) => present.has(h.id))
}

/** Acts that changed nothing: a call or a turn's end that lost a race, a second lowering. The timeline and the report leave them out. */
export function voidedActs(entries: readonly LogEntry[]): Set<string> {
  return new Set([...handsState(entries).voided, ...roundsState(entries).voided, ...presentationState(entries).voided])
}

/** Turn-taking acts (hands, go-arounds, presentations) that changed something, in log order: for the report. */
export function turnTakingActs(entries: readonly LogEntry[]): LogEntry[] {
  const voided = voidedActs(entries)
  return sortLog(entries).filter((e) => /^(hand|round|present)\./.test(e.kind) && !voided.has(e.id))
}

/** Turns each person took: called from the queue (and did not pass), or spoke in a go-around. */
export function turnsTaken(entries: readonly LogEntry[]): Record<string, number> {
  const counts = roundTurnsTaken(roundsState(entries).rounds)
  for (const c of handsState(entries).calls) if (!c.passed) counts[c.id] = (counts[c.id] ?? 0) + 1
  return counts
}

/** The entry to write into a fork: frees the baton and ends hands, go-arounds and presentations under way. */
export function forkEntryFor(entries: readonly LogEntry[]): LogEntry | undefined {
  const hands = handsState(entries)
  const busy = hands.queue.length > 0 || !!hands.called || !!roundsState(entries).active || !!presentationState(entries).active
  return forkEntry(entries, busy)
}
