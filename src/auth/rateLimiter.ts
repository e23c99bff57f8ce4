/**
 * Per API key request limits: `perSecond` steady rate with bursts up to `burst`.
 *
 * Without Redis each hub keeps its own token buckets. With REDIS_URL the count is shared
 * by every hub through rate-limiter-flexible (a steady limiter of `perSecond` a second
 * plus a burst allowance of `burst - perSecond` that renews every 10 × burst/perSecond
 * seconds), so N hubs together still give a key its one rate. While Redis
 * is unreachable each hub falls back to its own buckets rather than refusing everyone.
 *
 * `consume` is the exact, shared decision (await it on request paths). `take` answers at
 * once from this process's buckets and, when shared, also honours the shared limit as far
 * as this hub has learned it, reporting its use in the background.
 */
import Redis from 'ioredis';
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../shared/clock';
import type { HubLogger } from '../shared/logger';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const KEY_PREFIX = 'nhs-app-hub:rate';
/** A shared decision slower than this is taken locally instead. */
const SHARED_TIMEOUT_MS = 250;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Keys the shared count has refused, until when (ms). */
  private readonly sharedBlockedUntil = new Map<string, number>();
  private readonly redis: Redis | null;
  private readonly shared: BurstyRateLimiter | null;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
    options: { redisUrl?: string | null; logger?: HubLogger } = {},
  ) {
    if (!options.redisUrl) {
      this.redis = null;
      this.shared = null;
      return;
    }
    // Fail at once while Redis is down; the local buckets decide meanwhile.
    this.redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.redis.on('error', (error) => options.logger?.debug?.({ err: error }, 'rate limit store unreachable'));
    const steady = Math.max(1, Math.floor(perSecond));
    // The burst allowance renews every ten bucket-fills, so over time a key averages close to perSecond.
    const burstWindowSeconds = perSecond > 0 ? Math.max(1, Math.ceil((10 * burst) / perSecond)) : 3600;
    const common = { storeClient: this.redis, useRedisPackage: false, rejectIfRedisNotReady: true };
    this.shared = new BurstyRateLimiter(
      new RateLimiterRedis({ ...common, keyPrefix: `${KEY_PREFIX}:steady`, points: perSecond > 0 ? steady : 0, duration: 1 }),
      new RateLimiterRedis({ ...common, keyPrefix: `${KEY_PREFIX}:burst`, points: Math.max(0, Math.floor(burst) - (perSecond > 0 ? steady : 0)), duration: burstWindowSeconds }),
    );
  }

  /** True when limits are shared between hubs through Redis. */
  get isShared(): boolean {
    return this.shared !== null;
  }

  /** Takes one request's allowance; returns 0 when allowed, otherwise the seconds until one is available. */
  take(key: string): number {
    const now = this.clock.now().getTime();
    if (this.shared) {
      const blockedUntil = this.sharedBlockedUntil.get(key) ?? 0;
      if (blockedUntil > now) return Math.max(1, Math.ceil((blockedUntil - now) / 1000));
      void this.consumeShared(key).catch(() => undefined);
    }
    return this.takeLocal(key, now);
  }

  /** Like `take`, but with Redis the decision is the shared count's own. */
  async consume(key: string): Promise<number> {
    if (!this.shared) return this.takeLocal(key, this.clock.now().getTime());
    try {
      return await this.consumeShared(key);
    } catch {
      return this.takeLocal(key, this.clock.now().getTime());
    }
  }

  /** Resolves once the shared store is connected (or after `timeoutMs`: the local buckets decide until it is). */
  async whenReady(timeoutMs = 5000): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        redis?.off('ready', done);
        resolve();
      }
      redis.once('ready', done);
    });
  }

  async close(): Promise<void> {
    if (!this.redis) return;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** Resolves with 0 or the seconds to wait; rejects when Redis cannot answer in time. */
  private async consumeShared(key: string): Promise<number> {
    const shared = this.shared as BurstyRateLimiter;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('rate limit store did not answer in time')), SHARED_TIMEOUT_MS);
    });
    try {
      await Promise.race([shared.consume(key), timeout]);
      return 0;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const waitMs = Math.max(1, rejection.msBeforeNext);
      this.sharedBlockedUntil.set(key, this.clock.now().getTime() + waitMs);
      if (this.sharedBlockedUntil.size > 100_000) this.forgetExpiredBlocks();
      return Math.max(1, Math.ceil(waitMs / 1000));
    } finally {
      clearTimeout(timer);
    }
  }

  private takeLocal(key: string, now: number): number {
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

  private forgetExpiredBlocks(): void {
    const now = this.clock.now().getTime();
    for (const [key, until] of this.sharedBlockedUntil) if (until <= now) this.sharedBlockedUntil.delete(key);
  }

  /** Full buckets carry no information; dropping them bounds memory. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
