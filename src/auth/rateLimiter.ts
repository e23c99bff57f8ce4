/**
 * A token bucket per API key: `perSecond` tokens refill each second up to `burst`. Each
 * hub instance keeps its own buckets, so behind N instances a key may use up to N times
 * the rate; the load balancer's stickiness or a lower setting tightens that.
 */
import type { Clock } from '../shared/clock';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  /** Takes one token; returns 0 when allowed, otherwise the seconds until one is available. */
  take(key: string): number {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.perSecond > 0 ? Math.ceil((1 - bucket.tokens) / this.perSecond) : 60;
  }

  /** Full buckets carry no information; dropping them bounds memory. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
