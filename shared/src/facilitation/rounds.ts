import { sortLog, type LogEntry, type RoundTurnEnd } from './log.ts'
import { formatRemaining } from './timer.ts'

/**
 * Go-around rounds, replayed from the session log like the baton and the hands. Every act names
 * what it acts on (a round, a turn index), and an act on something already over is void: two
 * "Done"s, or a "Done" racing the timer, move the round on once.
 */

export interface RoundTurn {
  id: string
  name: string
  /** Server time the turn began (missing while still to come). */
  start?: number
  end?: number
  /** How it ended; 'ended' when the round was ended during it. */
  outcome?: RoundTurnEnd | 'ended'
}

export interface Round {
  id: string
  prompt: string
  /** Time per person, if the round has one. */
  perTurnMs?: number
  startedBy: string
  startedAt: number
  turns: RoundTurn[]
  /** Index of the turn under way; `turns.length` once every turn is over. */
  current: number
  /** When the round ended (everyone had a turn, or someone ended it), and who ended it early. */
  endedAt?: number
  endedBy?: string
}

export interface RoundsState {
  /** Every round, oldest first. */
  rounds: Round[]
  /** The round under way, if any (at most one at a time). */
  active: Round | undefined
  voided: Set<string>
}

export function roundsState(entries: readonly LogEntry[]): RoundsState {
  const rounds: Round[] = []
  const voided = new Set<string>()
  let active: Round | undefined
  const advance = (round: Round, at: number, outcome: RoundTurn['outcome']) => {
    const turn = round.turns[round.current]
    turn.end = at
    turn.outcome = outcome
    round.current++
    if (round.current < round.turns.length) round.turns[round.current].start = at
    else round.endedAt = at
  }
  for (const e of sortLog(entries)) {
    if (e.kind === 'board.fork' && active) {
      // A fork ends the original's round where its history ends.
      if (active.current < active.turns.length) advance(active, e.at, 'ended')
      active.endedAt = e.at
      active = undefined
    }
    if (!e.kind.startsWith('round.')) continue
    const mine = active && active.id === e.roundId
    switch (e.kind) {
      case 'round.start': {
        // One round at a time: a start racing another is void.
        const order = dedupe(e.order ?? [])
        if (active || rounds.some((r) => r.id === e.roundId) || order.length === 0) {
          voided.add(e.id)
          break
        }
        active = { id: e.roundId!, prompt: e.prompt ?? '', startedBy: e.byName, startedAt: e.at, turns: order, current: 0 }
        if (e.durationMs && e.durationMs > 0) active.perTurnMs = e.durationMs
        active.turns[0].start = e.at
        rounds.push(active)
        break
      }
      case 'round.join':
        if (mine && !active!.turns.some((t) => t.id === e.by)) active!.turns.push({ id: e.by, name: e.byName })
        else voided.add(e.id)
        break
      case 'round.next':
        if (mine && e.turn === active!.current) advance(active!, e.at, e.reason)
        else voided.add(e.id)
        break
      case 'round.end':
        if (!mine) {
          voided.add(e.id)
          break
        }
        active!.endedBy = e.byName
        if (active!.current < active!.turns.length) advance(active!, e.at, 'ended')
        active!.endedAt = e.at
        break
    }
    if (active?.endedAt !== undefined) active = undefined
  }
  return { rounds, active, voided }
}

function dedupe(order: readonly { id: string; name: string }[]): RoundTurn[] {
  const seen = new Set<string>()
  return order.filter((p) => !seen.has(p.id) && seen.add(p.id)).map((p) => ({ id: p.id, name: p.name }))
}

/** Time left in the turn under way (server time), or undefined when turns are not timed. */
export function turnRemainingMs(round: Round, serverNow: number): number | undefined {
  const turn = round.turns[round.current]
  if (!round.perTurnMs || turn?.start === undefined) return undefined
  // Clamped: a clock estimate a few ms behind the turn's starter never shows more than a whole turn.
  return Math.min(round.perTurnMs, Math.max(0, turn.start + round.perTurnMs - serverNow))
}

export type RoundOrder = 'shuffled' | 'joined'

/**
 * Who speaks in which order: the people here by when they first joined the board (then id), or
 * shuffled with `random` (Fisher–Yates).
 */
export function roundOrder(
  people: readonly { id: string; name: string; firstSeen?: number }[],
  mode: RoundOrder,
  random: () => number = Math.random,
): { id: string; name: string }[] {
  const joined = [...people]
    .sort((a, b) => (a.firstSeen ?? Infinity) - (b.firstSeen ?? Infinity) || (a.id < b.id ? -1 : 1))
    .map(({ id, name }) => ({ id, name }))
  if (mode === 'joined') return joined
  for (let i = joined.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[joined[i], joined[j]] = [joined[j], joined[i]]
  }
  return joined
}

export interface SpokenTurn {
  id: string
  name: string
  /** How long they had the floor; undefined when their turn was skipped or never came. */
  spokeMs?: number
  outcome: NonNullable<RoundTurn['outcome']> | 'not reached'
}

/** The end-of-round summary: everyone in order, who spoke and for how long. */
export function roundSummary(round: Round): SpokenTurn[] {
  return round.turns.map((t) => {
    const outcome = t.outcome ?? 'not reached'
    const spoke = t.start !== undefined && t.end !== undefined && (t.outcome === 'done' || t.outcome === 'timeout' || t.outcome === 'ended')
    return { id: t.id, name: t.name, outcome, spokeMs: spoke ? t.end! - t.start! : undefined }
  })
}

/** Turns each person took in go-arounds (skipped turns and turns of people who left do not count). */
export function roundTurnsTaken(rounds: readonly Round[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const r of rounds) for (const t of roundSummary(r)) if (t.spokeMs !== undefined) counts[t.id] = (counts[t.id] ?? 0) + 1
  return counts
}

/** How long someone spoke, in whole seconds as a stopwatch shows it ("0:42"); a countdown rounds up instead. */
export const formatSpoken = (ms: number) => formatRemaining(Math.floor(ms / 1000) * 1000)
