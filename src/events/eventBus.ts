/**
 * Carries committed events to subscribers. In-process by default; with REDIS_URL the
 * Redis bus (added with live events) carries them across hub instances.
 */
import { EventEmitter } from 'node:events';
import type { HubEvent } from '../../entities/HubEvent';

export type EventListener = (event: HubEvent) => void;


export interface EventBus {
  publish(events: HubEvent[]): Promise<void>;
  subscribe(listener: EventListener): () => void;
  /**
   * Tells `listener` when live delivery is interrupted (the Redis bus lost its subscription)
   * and when it has resumed and settled; subscribers hold live events in between and then
   * catch up from the stored events, so they miss nothing and keep each message's order.
   */
  onOutage?(listener: (phase: 'interrupted' | 'resumed') => void): () => void;
  /** Rejects while the transport is unreachable (for readiness); absent when there is none. */
  ping?(): Promise<void>;
  /** Local subscribers right now (for metrics and leak checks). */
  listenerCount(): number;
  close(): Promise<void>;
}

/** Delivers events to this process's subscribers; the Redis bus builds on it to reach other instances. */
export class InProcessEventBus implements EventBus {
  /** Carries 'event' to local subscribers; the Redis bus also tells 'outage' phases through it. */
  protected readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  async publish(events: HubEvent[]): Promise<void> {
    for (const event of events) this.deliverLocally(event);
  }

  protected deliverLocally(event: HubEvent): void {
    this.emitter.emit('event', event);
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
  }
}
