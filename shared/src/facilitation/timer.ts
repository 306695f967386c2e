/**
 * The shared timer. Times are on the server's clock (each client converts with its offset),
 * so everyone sees the same remaining time even when their computer clocks disagree.
 * A running timer stores when it ends; a paused one stores what was left.
 */
export type TimerState =
  | { status: 'idle' }
  | { status: 'running'; endsAt: number; durationMs: number; label?: string }
  | { status: 'paused'; remainingMs: number; durationMs: number; label?: string }

export const IDLE_TIMER: TimerState = { status: 'idle' }
export const MINUTE_MS = 60_000
/** Longest timer we accept: a whole day's workshop. */
export const MAX_TIMER_MS = 12 * 60 * MINUTE_MS
export const TIMER_PRESETS_MIN = [1, 3, 5, 10, 15] as const

function clampDuration(ms: number): number {
  if (!Number.isFinite(ms)) throw new Error('timer duration must be a number')
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.round(ms)))
}

export function startTimer(durationMs: number, serverNow: number, label?: string): TimerState {
  const d = clampDuration(durationMs)
  if (d <= 0) throw new Error('a timer needs a positive duration')
  return label
    ? { status: 'running', endsAt: serverNow + d, durationMs: d, label }
    : { status: 'running', endsAt: serverNow + d, durationMs: d }
}

export function remainingMs(state: TimerState, serverNow: number): number {
  switch (state.status) {
    case 'idle':
      return 0
    case 'paused':
      return Math.max(0, state.remainingMs)
    case 'running':
      // Clamped: a clock estimate a few ms behind the starter's never shows more than the whole timer.
      return Math.min(state.durationMs, Math.max(0, state.endsAt - serverNow))
  }
}

export function pauseTimer(state: TimerState, serverNow: number): TimerState {
  if (state.status !== 'running') return state
  return { ...withoutEnd(state), status: 'paused', remainingMs: remainingMs(state, serverNow) }
}

export function resumeTimer(state: TimerState, serverNow: number): TimerState {
  if (state.status !== 'paused') return state
  const { remainingMs: left, ...rest } = state
  return { ...rest, status: 'running', endsAt: serverNow + left }
}

/** Adds time to a running or paused timer; a finished running timer restarts from zero. */
export function addTime(state: TimerState, ms: number, serverNow: number): TimerState {
  const extra = clampDuration(ms)
  if (state.status === 'running') {
    const left = remainingMs(state, serverNow)
    const add = Math.min(extra, MAX_TIMER_MS - left)
    return { ...state, endsAt: serverNow + left + add, durationMs: state.durationMs + add }
  }
  if (state.status === 'paused') {
    const add = Math.min(extra, MAX_TIMER_MS - state.remainingMs)
    return { ...state, remainingMs: state.remainingMs + add, durationMs: state.durationMs + add }
  }
  return state
}

export function stopTimer(): TimerState {
  return IDLE_TIMER
}

export function isTimeUp(state: TimerState, serverNow: number): boolean {
  return state.status === 'running' && serverNow >= state.endsAt
}

/** "4:05", "0:00", "1:02:03". Rounds up so a timer shows 0:00 only when it is really done. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** Accepts what a person types for a custom timer: "7", "7:30", "90s", "2m". */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase()
  let ms: number | undefined
  let m: RegExpExecArray | null
  if ((m = /^(\d+):([0-5]?\d)$/.exec(t))) ms = (Number(m[1]) * 60 + Number(m[2])) * 1000
  else if ((m = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?)$/.exec(t))) ms = Number(m[1]) * 1000
  else if ((m = /^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?)?$/.exec(t))) ms = Number(m[1]) * MINUTE_MS
  if (ms === undefined || ms <= 0 || ms > MAX_TIMER_MS) return undefined
  return Math.round(ms)
}

/** Accepts only well-formed timer state from the doc; anything else reads as idle. */
export function readTimer(value: unknown): TimerState {
  if (!value || typeof value !== 'object') return IDLE_TIMER
  const v = value as Record<string, unknown>
  const label = typeof v.label === 'string' ? v.label : undefined
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x)
  if (v.status === 'running' && num(v.endsAt) && num(v.durationMs))
    return { status: 'running', endsAt: v.endsAt as number, durationMs: v.durationMs as number, ...(label ? { label } : {}) }
  if (v.status === 'paused' && num(v.remainingMs) && num(v.durationMs))
    return { status: 'paused', remainingMs: v.remainingMs as number, durationMs: v.durationMs as number, ...(label ? { label } : {}) }
  return IDLE_TIMER
}

function withoutEnd<T extends { endsAt: number }>(s: T): Omit<T, 'endsAt'> {
  const { endsAt: _e, ...rest } = s
  return rest
}
