/**
 * Carries committed events between hub instances through Redis pub/sub. Every instance
 * publishes to one channel and delivers what it receives to its local subscribers, so
 * each subscriber sees every event once, whichever instance caused it.
 *
 * Pub/sub keeps nothing for a disconnected listener: when the subscription drops,
 * `onOutage` listeners hear 'interrupted'; once it is back and every hub has had time to
 * reconnect and publish what it held, they hear 'resumed' and streams catch up from the
 * stored events (published events are always stored first).
 */
import Redis from 'ioredis';
import { HubEvent } from '../../entities/HubEvent';
import type { HubLogger } from '../shared/logger';
import { type EventBus, InProcessEventBus } from './eventBus';

export const EVENTS_CHANNEL = 'nhs-app-hub:events';
/**
 * After the subscription is restored, how long to wait before subscribers catch up: longer
 * than ioredis's longest reconnect delay (2 s), so other hubs' publishers are back too.
 */
export const RESUME_SETTLE_MS = 3000;
/** Unpublished events held while Redis is away. */
const MAX_HELD = 50_000;

function toWire(event: HubEvent): string {
  return JSON.stringify({ ...event, id: String(event.id), occurredAt: event.occurredAt.toISOString() });
}

function fromWire(text: string): HubEvent {
  const raw = JSON.parse(text);
  return Object.assign(new HubEvent(), raw, { occurredAt: new Date(raw.occurredAt) });
}

export class RedisEventBus extends InProcessEventBus implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly ready: Promise<unknown>;
  private interrupted = false;
  private settleTimer: NodeJS.Timeout | null = null;
  private readonly unpublished: HubEvent[] = [];
  private publishingHeld = false;

  constructor(url: string, private readonly logger?: HubLogger) {
    super();
    // No offline queue: while Redis is unreachable a publish fails at once instead of holding up the request.
    this.publisher = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel: string, text: string) => {
      try {
        this.deliverLocally(fromWire(text));
      } catch (error) {
        this.logger?.error({ err: error }, 'unreadable event from Redis');
      }
    });
    for (const client of [this.publisher, this.subscriber]) client.on('error', (error) => this.logger?.error({ err: error }, 'Redis connection error'));
    this.publisher.on('ready', () => void this.publishHeld());
    this.subscriber.on('close', () => {
      if (this.settleTimer) clearTimeout(this.settleTimer);
      this.settleTimer = null;
      if (this.interrupted) return;
      this.interrupted = true;
      this.emitter.emit('outage', 'interrupted');
    });
    this.subscriber.on('ready', () => {
      if (!this.interrupted) return;
      // ioredis resubscribes on reconnect; this reply comes after that one, so from here on nothing is missed.
      this.subscriber
        .subscribe(EVENTS_CHANNEL)
        .then(() => {
          if (this.settleTimer) clearTimeout(this.settleTimer);
          this.settleTimer = setTimeout(() => {
            this.settleTimer = null;
            this.interrupted = false;
            this.logger?.warn('Redis subscription restored: subscribers catch up from stored events');
            this.emitter.emit('outage', 'resumed');
          }, RESUME_SETTLE_MS);
          this.settleTimer.unref?.();
        })
        .catch((error) => this.logger?.error({ err: error }, 'resubscribing to Redis failed'));
    });
    this.ready = Promise.all([this.subscriber.subscribe(EVENTS_CHANNEL), new Promise((resolve) => this.publisher.once('ready', resolve))]);
  }

  /** Resolves once this instance is subscribed and can publish (or after `timeoutMs`, when Redis is down). */
  async whenReady(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger?.error({ timeoutMs }, 'Redis not reachable yet: live events wait for it; stored events remain for catch-up');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.ready, timeout]);
    clearTimeout(timer);
  }

  /**
   * Publishes in commit order. Events that could not be published (Redis away) are held and
   * published, still in order, once the connection is back: another hub's subscribers may
   * have finished catching up before this hub reconnected. Rejects when held.
   */
  override async publish(events: HubEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.unpublished.length > 0) {
      this.hold(events);
      await this.publishHeld();
      if (this.unpublished.length > 0) throw new Error('Redis unavailable: events held for publishing');
      return;
    }
    try {
      await this.send(events);
    } catch (error) {
      this.hold(events);
      throw error;
    }
  }

  private async send(events: HubEvent[]): Promise<void> {
    const pipeline = this.publisher.pipeline();
    for (const event of events) pipeline.publish(EVENTS_CHANNEL, toWire(event));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  private hold(events: HubEvent[]): void {
    this.unpublished.push(...events);
    // Past this, subscribers still have the stored events (reconnecting with `after`).
    if (this.unpublished.length > MAX_HELD) this.unpublished.splice(0, this.unpublished.length - MAX_HELD);
  }

  private async publishHeld(): Promise<void> {
    if (this.publishingHeld) return;
    this.publishingHeld = true;
    try {
      while (this.unpublished.length > 0 && this.publisher.status === 'ready') {
        const batch = this.unpublished.slice(0, 500);
        await this.send(batch);
        this.unpublished.splice(0, batch.length);
      }
    } catch (error) {
      this.logger?.warn({ err: error, held: this.unpublished.length }, 'publishing held events failed; will retry');
    } finally {
      this.publishingHeld = false;
    }
  }

  onOutage(listener: (phase: 'interrupted' | 'resumed') => void): () => void {
    this.emitter.on('outage', listener);
    return () => this.emitter.off('outage', listener);
  }

  async ping(): Promise<void> {
    await Promise.all([this.publisher.ping(), this.subscriber.status === 'ready' ? Promise.resolve() : Promise.reject(new Error(`Redis subscriber is ${this.subscriber.status}`))]);
  }

  override async close(): Promise<void> {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    await super.close();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
