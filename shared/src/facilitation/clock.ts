/**
 * Server-clock estimation, NTP style. A client asks the server for its time at local t0, gets
 * the answer at local t1; assuming the request and response took equally long, the server's
 * clock read `serverNow` at local (t0 + t1) / 2. The samples with the shortest round trip are
 * the least distorted by queueing, so we trust those.
 */
export interface ClockSample {
  /** Local time the request left. */
  t0: number
  /** Local time the answer arrived. */
  t1: number
  /** The server's clock when it answered. */
  serverNow: number
}

export interface ClockEstimate {
  /** Add to the local clock to get the server's: serverNow ≈ localNow + offsetMs. */
  offsetMs: number
  /** Round trip of the samples the estimate rests on; half of it bounds the error. */
  rttMs: number
}

export function sampleOffset(s: ClockSample): ClockEstimate {
  return { offsetMs: s.serverNow - (s.t0 + s.t1) / 2, rttMs: Math.max(0, s.t1 - s.t0) }
}

/** How many of the fastest samples are combined (by median) into one estimate. */
export const CLOCK_BEST_SAMPLES = 3
/** How many recent samples a client keeps. */
export const CLOCK_MAX_SAMPLES = 8

/**
 * The offset from a set of samples: the median offset of the few with the shortest round
 * trip (a median so a single odd sample cannot drag it). Undefined without samples.
 */
export function estimateOffset(samples: readonly ClockSample[]): ClockEstimate | undefined {
  const valid = samples.filter((s) => Number.isFinite(s.t0) && Number.isFinite(s.t1) && Number.isFinite(s.serverNow) && s.t1 >= s.t0)
  if (valid.length === 0) return undefined
  const best = valid
    .map(sampleOffset)
    .sort((a, b) => a.rttMs - b.rttMs)
    .slice(0, CLOCK_BEST_SAMPLES)
  const offsets = best.map((e) => e.offsetMs).sort((a, b) => a - b)
  const mid = offsets.length >> 1
  const offsetMs = offsets.length % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2
  return { offsetMs: Math.round(offsetMs), rttMs: Math.max(...best.map((e) => e.rttMs)) }
}

/** Keeps the most recent samples, dropping the oldest beyond the limit. */
export function addSample(samples: readonly ClockSample[], sample: ClockSample, max = CLOCK_MAX_SAMPLES): ClockSample[] {
  return [...samples, sample].slice(-max)
}

export function serverNowFrom(localNow: number, estimate: ClockEstimate | undefined): number {
  return localNow + (estimate?.offsetMs ?? 0)
}

/** The inverse of serverNowFrom: what this device's clock read at a server instant. */
export function localTimeFrom(serverTime: number, estimate: ClockEstimate | undefined): number {
  return serverTime - (estimate?.offsetMs ?? 0)
}
