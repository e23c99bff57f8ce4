/**
 * One subscriber's stream of events: first the stored events after `after` (catch-up),
 * then live ones from the bus, with nothing lost or repeated at the seam. The bus listener
 * is attached before the catch-up query, live events that arrive meanwhile are held, and
 * any the catch-up already returned are dropped. A subscriber that falls more than
 * `maxQueued` events behind is cut off rather than slowing anyone else.
 */
import type { HubEvent, HubEventKind } from '../../entities/HubEvent';
import type { EventBus } from './eventBus';
import { type EventFilter, matchesFilter } from './eventFilter';
import type { EventStore } from './eventStore';

export interface EventStreamOptions {
  bus: EventBus;
  store: EventStore;
  kind: HubEventKind;
  filter: EventFilter;
  after: string | null;
  maxQueued?: number;
  onOverflow?: () => void;
}

const CATCH_UP_PAGE = 500;
/** Replayed ids kept to drop their late live copies. */
const MAX_REMEMBERED = 10_000;

export function eventStream(options: EventStreamOptions): AsyncIterableIterator<HubEvent> {
  const maxQueued = options.maxQueued ?? 1000;
  const queue: HubEvent[] = [];
  let waiting: ((result: IteratorResult<HubEvent>) => void) | null = null;
  let done = false;
  let catchingUp = options.after !== null;
  const heldDuringCatchUp: HubEvent[] = [];
  const replayed = new Set<string>();
  const remember = (id: string) => {
    replayed.add(id);
    if (replayed.size > MAX_REMEMBERED) replayed.delete(replayed.values().next().value as string);
  };

  const deliver = (event: HubEvent) => {
    if (done) return;
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    queue.push(event);
    if (queue.length > maxQueued) {
      finish();
      options.onOverflow?.();
    }
  };

  const unsubscribe = options.bus.subscribe((event) => {
    if (event.kind !== options.kind || !matchesFilter(event, options.filter)) return;
    if (catchingUp) heldDuringCatchUp.push(event);
    // A replayed event's own live publication may still be on its way (e.g. through Redis).
    else if (!replayed.has(String(event.id))) deliver(event);
  });

  function finish(): void {
    if (done) return;
    done = true;
    unsubscribe();
    queue.length = 0;
    heldDuringCatchUp.length = 0;
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  const catchUp = (async () => {
    if (options.after === null) return;
    try {
      let cursor = options.after;
      for (;;) {
        const page = await options.store.after(options.kind, cursor, options.filter, CATCH_UP_PAGE);
        for (const event of page) {
          remember(String(event.id));
          deliver(event);
        }
        if (page.length < CATCH_UP_PAGE || done) break;
        cursor = String(page[page.length - 1].id);
      }
    } finally {
      catchingUp = false;
      for (const event of heldDuringCatchUp.splice(0)) if (!replayed.has(String(event.id))) deliver(event);
    }
  })();

  return {
    async next(): Promise<IteratorResult<HubEvent>> {
      await catchUp.catch(() => undefined);
      if (queue.length > 0) return { value: queue.shift() as HubEvent, done: false };
      if (done) return { value: undefined, done: true };
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    async return(): Promise<IteratorResult<HubEvent>> {
      finish();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown): Promise<IteratorResult<HubEvent>> {
      finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
