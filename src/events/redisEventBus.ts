/**
 * Carries committed events between hub instances through Redis pub/sub. Every instance
 * publishes to one channel and delivers what it receives to its local subscribers, so
 * each subscriber sees every event once, whichever instance caused it.
 */
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { HubEvent } from '../../entities/HubEvent';
import type { HubLogger } from '../shared/logger';
import type { EventBus, EventListener } from './eventBus';

export const EVENTS_CHANNEL = 'nhs-app-hub:events';

function toWire(event: HubEvent): string {
  return JSON.stringify({ ...event, id: String(event.id), occurredAt: event.occurredAt.toISOString() });
}

function fromWire(text: string): HubEvent {
  const raw = JSON.parse(text);
  return Object.assign(new HubEvent(), raw, { occurredAt: new Date(raw.occurredAt) });
}

export class RedisEventBus implements EventBus {
  private readonly emitter = new EventEmitter();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly ready: Promise<unknown>;

  constructor(url: string, private readonly logger?: HubLogger) {
    this.emitter.setMaxListeners(0);
    this.publisher = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null });
    this.subscriber.on('message', (_channel: string, text: string) => {
      try {
        this.emitter.emit('event', fromWire(text));
      } catch (error) {
        this.logger?.error({ err: error }, 'unreadable event from Redis');
      }
    });
    for (const client of [this.publisher, this.subscriber]) client.on('error', (error) => this.logger?.error({ err: error }, 'Redis connection error'));
    this.ready = this.subscriber.subscribe(EVENTS_CHANNEL);
  }

  /** Resolves once this instance is subscribed, so it misses nothing published afterwards. */
  async whenReady(): Promise<void> {
    await this.ready;
  }

  async publish(events: HubEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.publisher.pipeline();
    for (const event of events) pipeline.publish(EVENTS_CHANNEL, toWire(event));
    await pipeline.exec();
  }

  subscribe(listener: EventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  listenerCount(): number {
    return this.emitter.listenerCount('event');
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
