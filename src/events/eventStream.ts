/**
 * One subscriber's stream of events: first the stored events after `after` (catch-up),
 * then live ones from the bus, with nothing lost or repeated at the seam. The bus listener
 * is attached before the catch-up starts; live events that arrive meanwhile are held, and
 * any the catch-up returned are dropped. The catch-up is read a page at a time as the
 * subscriber asks for more, so a long absence never floods its buffer. A subscriber that
 * falls more than `maxQueued` live events behind is cut off rather than slowing anyone else.
 *
 * When the bus says live delivery was interrupted (a Redis outage), the stream holds live
 * events; when it has resumed, the stream goes back to the store from a little before the
 * last event it passed on (publishes from several hubs may arrive slightly out of sequence order)
 * and catches up again, then releases what it held. Ids already passed on are dropped, so
 * the subscriber sees every event once and each message's events in order.
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
/** After an outage, catch-up restarts this many passed-on events back. */
const RESUME_MARGIN = 200;
const RESUME_RETRY_MS = 1000;

export function eventStream(options: EventStreamOptions): AsyncIterableIterator<HubEvent> {
  const maxQueued = options.maxQueued ?? 1000;
  const queue: HubEvent[] = [];
  const held: HubEvent[] = [];
  // Ids read from the store (their live copies may still come) and the last ids passed on.
  const replayed = new Set<string>();
  const recent: string[] = [];
  const recentSet = new Set<string>();
  const seen = (id: string) => replayed.has(id) || recentSet.has(id);
  let cursor = options.after;
  // Where a resumed catch-up starts when nothing has been passed on yet.
  let origin: Promise<string | null> = Promise.resolve(options.after);
  if (options.bus.onOutage && options.after === null) origin = options.store.latestId().catch(() => null);
  let waiting: ((result: IteratorResult<HubEvent>) => void) | null = null;
  let done = false;
  /** Live delivery is interrupted: hold live events until the catch-up after it resumes. */
  let interrupted = false;

  const passedOn = (id: string) => {
    recent.push(id);
    recentSet.add(id);
    if (recent.length > RESUME_MARGIN) recentSet.delete(recent.shift() as string);
  };
  const remember = (id: string) => {
    replayed.add(id);
    if (replayed.size > MAX_REMEMBERED) replayed.delete(replayed.values().next().value as string);
    passedOn(id);
  };

  function finish(): void {
    if (done) return;
    done = true;
    unsubscribe();
    stopResuming();
    if (retryTimer) clearTimeout(retryTimer);
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
    if (done || seen(String(event.sequence))) return;
    passedOn(String(event.sequence));
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
    if (cursor !== null || interrupted) {
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
      if (seen(String(event.sequence))) continue;
      remember(String(event.sequence));
      queue.push(event);
    }
    if (page.length < CATCH_UP_PAGE) {
      cursor = null;
      for (const event of held.splice(0)) deliver(event);
    } else {
      cursor = String(page[page.length - 1].sequence);
    }
  }

  let retryTimer: NodeJS.Timeout | null = null;
  let resuming = false;

  /** Catches up after an outage while the consumer may be waiting for its next event. */
  async function resume(): Promise<void> {
    if (done || resuming) return;
    resuming = true;
    const resolve = waiting;
    waiting = null;
    try {
      if (cursor === null) {
        const oldest = recent.length > 0 ? recent.map((id) => BigInt(id)).reduce((a, b) => (b < a ? b : a)) : null;
        const from = oldest !== null ? String(oldest - 1n) : await origin;
        if (from !== null && cursor === null) cursor = from;
      }
      interrupted = false;
      // Nowhere to resume from: release what was held as it is.
      if (cursor === null) for (const event of held.splice(0)) deliver(event);
      while (!done && queue.length === 0 && cursor !== null) await catchUpPage();
    } catch {
      // The store is unreachable too: try again shortly.
      if (!done) retryTimer = setTimeout(() => void resume(), RESUME_RETRY_MS);
    } finally {
      resuming = false;
      if (resolve) {
        if (done) resolve({ value: undefined, done: true });
        else if (queue.length > 0) resolve({ value: queue.shift() as HubEvent, done: false });
        else waiting = resolve;
      }
    }
  }

  const stopResuming = options.bus.onOutage
    ? options.bus.onOutage((phase) => {
        if (phase === 'interrupted') interrupted = true;
        else void resume();
      })
    : () => undefined;

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
