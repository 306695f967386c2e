/**
 * Ephemeral facilitation signals carried in awareness (never in the doc): who is here, summon
 * requests and reactions. Pure helpers so the UI only renders.
 *
 * Words: a person's *presence* is their whole awareness state (what the server's presence guard
 * polices); tldraw's *instance presence* (cursor, selection, viewport) is one field of it; the
 * *signals* here are others.
 */

/** The awareness field carrying tldraw's instance presence record. */
export const INSTANCE_PRESENCE_FIELD = 'presence'

export interface AwarenessUser {
  id: string
  name: string
  color: string
}

/** A "bring everyone here": the summoner's visible page area on their page. */
export interface SummonSignal {
  id: string
  /** Server time it was sent; stale ones (a late joiner) are ignored. */
  at: number
  pageId: string
  bounds: { x: number; y: number; w: number; h: number }
}

export interface ReactionSignal {
  id: string
  emoji: string
  at: number
  /** Page coordinates where it floats up (the sender's cursor). */
  x: number
  y: number
  pageId: string
}

export const REACTIONS = ['👍', '❤️', '🎉', '😂', '🤔', '👏'] as const
/** A summon or reaction older than this (server time) is not acted on. */
export const SIGNAL_TTL_MS = 10_000
/** Someone who has not moved or typed for this long shows as idle. */
export const IDLE_AFTER_MS = 60_000

export function isFresh(signal: { at: number } | undefined, serverNow: number, ttlMs = SIGNAL_TTL_MS): boolean {
  // A little allowance into the future covers two clients' offset estimates disagreeing.
  return !!signal && signal.at > serverNow - ttlMs && signal.at < serverNow + ttlMs
}

export function readUser(value: unknown): AwarenessUser | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  if (typeof v.id !== 'string' || !v.id) return undefined
  return {
    id: v.id,
    name: typeof v.name === 'string' && v.name ? v.name : 'Someone',
    color: typeof v.color === 'string' ? v.color : '#868e96',
  }
}

export function readSummon(value: unknown): SummonSignal | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  const b = v.bounds as Record<string, unknown> | undefined
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x)
  if (typeof v.id !== 'string' || !finite(v.at) || typeof v.pageId !== 'string' || !b) return undefined
  if (!finite(b.x) || !finite(b.y) || !finite(b.w) || !finite(b.h) || (b.w as number) <= 0 || (b.h as number) <= 0) return undefined
  return {
    id: v.id,
    at: v.at as number,
    pageId: v.pageId,
    bounds: { x: b.x as number, y: b.y as number, w: b.w as number, h: b.h as number },
  }
}

export function readReaction(value: unknown): ReactionSignal | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x)
  if (typeof v.id !== 'string' || !finite(v.at) || !finite(v.x) || !finite(v.y) || typeof v.pageId !== 'string') return undefined
  if (!(REACTIONS as readonly string[]).includes(v.emoji as string)) return undefined
  return { id: v.id, emoji: v.emoji as string, at: v.at as number, x: v.x as number, y: v.y as number, pageId: v.pageId }
}

export interface PresentParticipant {
  clientId: number
  user: AwarenessUser
}

/**
 * Everyone present, one row per participant id (the same person in two tabs shows once,
 * under their lowest client id), sorted by name.
 */
export function participantsFrom(states: Iterable<[number, Record<string, unknown>]>): PresentParticipant[] {
  const byId = new Map<string, PresentParticipant>()
  for (const [clientId, state] of states) {
    const user = readUser(state?.user)
    if (!user) continue
    const existing = byId.get(user.id)
    if (!existing || clientId < existing.clientId) byId.set(user.id, { clientId, user })
  }
  return [...byId.values()].sort((a, b) => a.user.name.localeCompare(b.user.name) || (a.user.id < b.user.id ? -1 : 1))
}

export function isIdle(lastActiveAt: number | undefined, now: number, idleAfterMs = IDLE_AFTER_MS): boolean {
  return lastActiveAt === undefined || now - lastActiveAt > idleAfterMs
}

/**
 * How a person shows in the people list. In a silent round their cursor is not shared (see
 * presenceWithheld), so a quiet stretch says nothing: they are "writing", never "idle".
 * `inSilentRound`: their awareness shows a draft count.
 */
export function activityOf(lastActiveAt: number | undefined, now: number, inSilentRound: boolean): 'active' | 'idle' | 'writing' {
  if (inSilentRound) return 'writing'
  return isIdle(lastActiveAt, now) ? 'idle' : 'active'
}
