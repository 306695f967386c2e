/**
 * Pure limit math used by the server. Kept free of timers and I/O so it can be tested exactly.
 */

/**
 * A token bucket: `ratePerSecond` tokens drip in continuously up to `burst`; each message takes
 * one. A connection may send `burst` messages at once, then `ratePerSecond` on average.
 */
export interface TokenBucket {
  tokens: number
  /** Time of the last refill, in milliseconds (any monotonic clock). */
  at: number
}

export function newTokenBucket(burst: number, now: number): TokenBucket {
  return { tokens: burst, at: now }
}

/** Refills for the time elapsed and takes one token. Returns false (and takes none) when empty. */
export function takeToken(bucket: TokenBucket, ratePerSecond: number, burst: number, now: number): boolean {
  const elapsed = Math.max(0, now - bucket.at)
  bucket.tokens = Math.min(burst, bucket.tokens + (elapsed * ratePerSecond) / 1000)
  bucket.at = Math.max(bucket.at, now)
  if (bucket.tokens < 1) return false
  bucket.tokens -= 1
  return true
}

/**
 * Whether accepting `incomingBytes` more keeps a board within `maxBytes`. `estimatedBytes` is an
 * upper bound (stored state plus every update appended since), so when it says "over" the caller
 * should measure the real encoded size before refusing.
 */
export function fitsWithin(estimatedBytes: number, incomingBytes: number, maxBytes: number): boolean {
  return estimatedBytes + incomingBytes <= maxBytes
}

/**
 * Which loaded boards to unload so that one more fits under `maxLoaded`: the least recently used
 * idle ones (no connections). `boards` is ordered least recently used first. Returns undefined
 * when not enough are idle, i.e. the new board must be refused.
 */
export function boardsToEvict<T extends { idle: boolean }>(boards: readonly T[], maxLoaded: number): T[] | undefined {
  const excess = boards.length + 1 - maxLoaded
  if (excess <= 0) return []
  const idle = boards.filter((b) => b.idle)
  if (idle.length < excess) return undefined
  return idle.slice(0, excess)
}

/** A size for people: "64 KB", "12.3 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`
}

/**
 * A record's size against MAX_RECORD_BYTES: its JSON, in characters. An asset's picture
 * (`props.src`, often an inline data: URL) is not counted: the frame and board limits bound it,
 * and a photo is an honest reason for a big record where a note's text is not.
 */
export function recordSize(record: unknown): number {
  const json = JSON.stringify(record)
  if (json === undefined) return 0
  const { typeName, props } = (record ?? {}) as { typeName?: unknown; props?: { src?: unknown } }
  return typeName === 'asset' && typeof props?.src === 'string' ? json.length - props.src.length : json.length
}
