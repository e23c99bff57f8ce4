/**
 * Carries committed events between hub instances through Redis pub/sub. Every instance
 * publishes to one channel and delivers what it receives to its local subscribers, so
 * each subscriber sees every event once, whichever instance caused it.
 */
import Redis from 'ioredis';
import { HubEvent } from '../../entities/HubEvent';
import type { HubLogger } from '../shared/logger';
import { type EventBus, InProcessEventBus } from './eventBus';

export const EVENTS_CHANNEL = 'nhs-app-hub:events';

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

  override async publish(events: HubEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.publisher.pipeline();
    for (const event of events) pipeline.publish(EVENTS_CHANNEL, toWire(event));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  override async close(): Promise<void> {
    await super.close();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
