/**
 * One subscriber's stream of events: first the stored events after `after` (catch-up),
 * then live ones from the bus, with nothing lost or repeated at the seam. The bus listener
 * is attached before the catch-up starts; live events that arrive meanwhile are held, and
 * any the catch-up returned are dropped. The catch-up is read a page at a time as the
 * subscriber asks for more, so a long absence never floods its buffer. A subscriber that
 * falls more than `maxQueued` live events behind is cut off rather than slowing anyone else.
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

const CATCH_UP_PAGE = 200;
/** Replayed ids kept to drop their late live copies (e.g. still on their way through Redis). */
const MAX_REMEMBERED = 10_000;

export function eventStream(options: EventStreamOptions): AsyncIterableIterator<HubEvent> {
  const maxQueued = options.maxQueued ?? 1000;
  const queue: HubEvent[] = [];
  const held: HubEvent[] = [];
  const replayed = new Set<string>();
  let cursor = options.after;
  let waiting: ((result: IteratorResult<HubEvent>) => void) | null = null;
  let done = false;

  const remember = (id: string) => {
    replayed.add(id);
    if (replayed.size > MAX_REMEMBERED) replayed.delete(replayed.values().next().value as string);
  };

  function finish(): void {
    if (done) return;
    done = true;
    unsubscribe();
    queue.length = 0;
    held.length = 0;
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  function overflowed(buffer: HubEvent[]): boolean {
    if (buffer.length <= maxQueued) return false;
    finish();
    options.onOverflow?.();
    return true;
  }

  function deliver(event: HubEvent): void {
    if (done || replayed.has(String(event.id))) return;
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    queue.push(event);
    overflowed(queue);
  }

  const unsubscribe = options.bus.subscribe((event) => {
    if (done || event.kind !== options.kind || !matchesFilter(event, options.filter)) return;
    if (cursor !== null) {
      held.push(event);
      overflowed(held);
    } else {
      deliver(event);
    }
  });

  /** Reads the next page of stored events; when the store is exhausted, switches to live. */
  async function catchUpPage(): Promise<void> {
    const page = await options.store.after(options.kind, cursor as string, options.filter, CATCH_UP_PAGE);
    for (const event of page) {
      remember(String(event.id));
      queue.push(event);
    }
    if (page.length < CATCH_UP_PAGE) {
      cursor = null;
      for (const event of held.splice(0)) deliver(event);
    } else {
      cursor = String(page[page.length - 1].id);
    }
  }

  return {
    async next(): Promise<IteratorResult<HubEvent>> {
      while (!done && queue.length === 0 && cursor !== null) await catchUpPage();
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
