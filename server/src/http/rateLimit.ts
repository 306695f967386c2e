import { newTokenBucket, takeToken, type TokenBucket } from '@roundtable/shared'

/** Addresses remembered at most; beyond it, those whose bucket has refilled are forgotten. */
const MAX_TRACKED = 10_000

/**
 * A token bucket per remote address: `ratePerSecond` sustained, bursts of ten times that (a page
 * load, a classroom behind one NAT reconnecting at once). Memory stays bounded: an address whose
 * bucket is full again is the same as one never seen.
 */
export class PerAddressLimiter {
  private readonly buckets = new Map<string, TokenBucket>()
  readonly burst: number

  constructor(readonly ratePerSecond: number) {
    this.burst = ratePerSecond * 10
  }

  /** Takes one token for `address`; false when it has none left (refuse the request). */
  take(address: string, now = performance.now()): boolean {
    let bucket = this.buckets.get(address)
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED) this.forgetRefilled(now)
      bucket = newTokenBucket(this.burst, now)
      this.buckets.set(address, bucket)
    }
    return takeToken(bucket, this.ratePerSecond, this.burst, now)
  }

  private forgetRefilled(now: number) {
    for (const [address, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) * this.ratePerSecond) / 1000 >= this.burst) this.buckets.delete(address)
    }
  }
}
