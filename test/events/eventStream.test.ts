/**
 * One subscriber's event stream, with a real in-process bus and real stored events on the
 * suite's database: live delivery, filtering, catch-up with `after`, the seam between
 * catch-up and live events, overflow and clean-up.
 */
import { randomUUID } from 'node:crypto';
import { Like } from 'typeorm';
import { HubEvent, type HubEventKind } from '../../entities/HubEvent';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { Channel, FailureReason } from '../../src/vocabulary/delivery';
import { InProcessEventBus } from '../../src/events/eventBus';
import type { EventFilter } from '../../src/events/eventFilter';
import { DeliveryEventType } from '../../src/vocabulary/events';
import { EventStore } from '../../src/events/eventStore';
import { eventStream, type EventStreamOptions } from '../../src/events/eventStream';
import type { Hub } from '../../src/hub';
import { createTestHub, resetDatabase } from '../support/testHub';

jest.setTimeout(60_000);

let hub: Hub;
let bus: InProcessEventBus;
/** Prefix of the message ids this test's rows carry, so reads never see anyone else's rows. */
let tag: string;
let sequence = 0;

beforeAll(async () => {
  hub = await createTestHub();
});

afterAll(async () => {
  await hub.close();
});

beforeEach(async () => {
  await resetDatabase(hub);
  bus = new InProcessEventBus();
  tag = `es-${randomUUID().slice(0, 8)}`;
});

afterEach(async () => {
  await bus.close();
});

interface Draft {
  kind?: HubEventKind;
  type?: DeliveryEventType | null;
  messageId?: string;
  category?: MessagingCategory;
  organisationOdsCode?: string;
}

function draft(overrides: Draft = {}): HubEvent {
  sequence += 1;
  const kind = overrides.kind ?? 'DELIVERY';
  return Object.assign(new HubEvent(), {
    kind,
    type: kind === 'DELIVERY' ? overrides.type ?? DeliveryEventType.QUEUED : null,
    messageId: overrides.messageId ?? `${tag}-${sequence}`,
    attemptId: null,
    channel: kind === 'DELIVERY' ? Channel.NHS_APP : null,
    fromChannel: kind === 'FALLBACK' ? Channel.NHS_APP : null,
    toChannel: kind === 'FALLBACK' ? Channel.SMS : null,
    reason: kind === 'FALLBACK' ? FailureReason.NOT_NHS_APP_USER : null,
    category: overrides.category ?? MessagingCategory.NHS_APP_MESSAGING,
    organisationOdsCode: overrides.organisationOdsCode ?? 'A81001',
    occurredAt: new Date('2026-03-10T10:00:00.000Z'),
  });
}

/** Stores one event and has the hub's sequencer number it, so it carries its public sequence. */
async function storeOne(overrides: Draft = {}): Promise<HubEvent> {
  const event = draft(overrides);
  await hub.db.dataSource.getRepository(HubEvent).insert(event);
  await hub.sequencer.settle();
  const stored = await hub.db.dataSource.getRepository(HubEvent).findOneByOrFail({ id: event.id });
  expect(stored.sequence).not.toBeNull();
  return stored;
}

/** Stores many events in a few multi-row inserts, numbers them, and reads them back in sequence order. */
async function storeMany(count: number, overrides: Draft = {}): Promise<HubEvent[]> {
  const messagePrefix = `${tag}-bulk${sequence}-`;
  const drafts = Array.from({ length: count }, (_, i) => draft({ ...overrides, messageId: `${messagePrefix}${i}` }));
  await hub.db.transaction(async (manager) => {
    for (let i = 0; i < drafts.length; i += 200) await manager.getRepository(HubEvent).insert(drafts.slice(i, i + 200));
  });
  await hub.sequencer.settle();
  const stored = await hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: Like(`${messagePrefix}%`) }, order: { sequence: 'ASC' } });
  expect(stored).toHaveLength(count);
  return stored;
}

const ids = (events: HubEvent[]) => events.map((e) => String(e.sequence));

function stream(options: Partial<EventStreamOptions> = {}) {
  return eventStream({ bus, store: hub.stores.events, kind: 'DELIVERY', filter: {}, after: null, ...options });
}

async function nextWithin(iterator: AsyncIterator<HubEvent>, ms = 5000): Promise<IteratorResult<HubEvent>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([iterator.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads events until one with `lastId` arrives; fails on a timeout or the end of the stream. */
async function readThrough(iterator: AsyncIterator<HubEvent>, lastId: string, ms = 10_000): Promise<HubEvent[]> {
  const seen: HubEvent[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await nextWithin(iterator, Math.max(1, deadline - Date.now()));
    if (result.done) throw new Error(`stream ended after ${seen.length} events, before ${lastId}`);
    seen.push(result.value);
    if (String(result.value.sequence) === lastId) return seen;
  }
}

describe('eventStream', () => {
  it('delivers live events in the order they are published, to a waiting reader and from the queue', async () => {
    const events = stream();
    const published = [await storeOne(), await storeOne(), await storeOne(), await storeOne()];
    // A reader already waiting gets the first one straight away...
    const waiting = events.next();
    await new Promise((resolve) => setImmediate(resolve));
    await bus.publish([published[0]]);
    expect(String((await waiting).value.sequence)).toBe(String(published[0].sequence));
    // ...and the rest queue up in order until read.
    await bus.publish(published.slice(1, 3));
    await bus.publish([published[3]]);
    const rest = [await nextWithin(events), await nextWithin(events), await nextWithin(events)];
    expect(rest.map((r) => String(r.value.sequence))).toEqual(ids(published.slice(1)));
    await events.return!();
  });

  it('passes only the events of its kind that match the filter', async () => {
    const wanted: EventFilter = { organisationOdsCodes: ['A81001'], categories: [MessagingCategory.IM1_PFS], messageId: `${tag}-target` };
    const filtered = stream({ filter: wanted });
    const fallbacks = stream({ kind: 'FALLBACK' });
    const byOrganisation = stream({ filter: { organisationOdsCodes: ['B82002', 'C83003'] } });
    const byCategory = stream({ filter: { categories: [MessagingCategory.PHR] } });

    const target = { messageId: `${tag}-target`, category: MessagingCategory.IM1_PFS, organisationOdsCode: 'A81001' };
    const all = [
      await storeOne({ ...target }),
      await storeOne({ ...target, organisationOdsCode: 'B82002' }),
      await storeOne({ ...target, category: MessagingCategory.NHS_APP_MESSAGING }),
      await storeOne({ ...target, messageId: `${tag}-other` }),
      await storeOne({ ...target, kind: 'FALLBACK' }),
      await storeOne({ organisationOdsCode: 'C83003', category: MessagingCategory.PHR }),
      await storeOne({ kind: 'FALLBACK', organisationOdsCode: 'C83003' }),
      await storeOne({ ...target, type: DeliveryEventType.SENT }),
      await storeOne({ organisationOdsCode: 'B82002', category: MessagingCategory.PHR, type: DeliveryEventType.FAILED }),
    ];
    for (const event of all) await bus.publish([event]);

    expect(ids(await readThrough(filtered, String(all[7].sequence)))).toEqual(ids([all[0], all[7]]));
    expect(ids(await readThrough(fallbacks, String(all[6].sequence)))).toEqual(ids([all[4], all[6]]));
    expect(ids(await readThrough(byOrganisation, String(all[8].sequence)))).toEqual(ids([all[1], all[5], all[8]]));
    expect(ids(await readThrough(byCategory, String(all[8].sequence)))).toEqual(ids([all[5], all[8]]));

    // Nothing else is waiting in any of them: the next event each sees is the next match.
    const sentinel = await storeOne({ ...target, organisationOdsCode: 'B82002', category: MessagingCategory.PHR });
    const fallbackSentinel = await storeOne({ kind: 'FALLBACK' });
    const exact = await storeOne({ ...target });
    await bus.publish([sentinel, fallbackSentinel, exact]);
    expect(String((await nextWithin(filtered)).value.sequence)).toBe(String(exact.sequence));
    expect(String((await nextWithin(fallbacks)).value.sequence)).toBe(String(fallbackSentinel.sequence));
    expect(String((await nextWithin(byOrganisation)).value.sequence)).toBe(String(sentinel.sequence));
    expect(String((await nextWithin(byCategory)).value.sequence)).toBe(String(sentinel.sequence));
    for (const s of [filtered, fallbacks, byOrganisation, byCategory]) await s.return!();
  });

  it('replays the stored events after `after` (its kind and filter only), then continues live', async () => {
    const before = await storeOne();
    const stored = [
      await storeOne(),
      await storeOne({ kind: 'FALLBACK' }),
      await storeOne({ organisationOdsCode: 'B82002' }),
      await storeOne({ type: DeliveryEventType.SENT }),
      await storeOne({ category: MessagingCategory.PHR }),
    ];
    const events = stream({ after: String(before.sequence), filter: { organisationOdsCodes: ['A81001'] } });
    const replayed = await readThrough(events, String(stored[4].sequence));
    expect(ids(replayed)).toEqual(ids([stored[0], stored[3], stored[4]]));
    expect(replayed[1]).toMatchObject({ kind: 'DELIVERY', type: 'SENT', organisationOdsCode: 'A81001' });

    const live = [await storeOne({ organisationOdsCode: 'B82002' }), await storeOne()];
    await bus.publish(live);
    expect(String((await nextWithin(events)).value.sequence)).toBe(String(live[1].sequence));
    await events.return!();
  });

  it('replays nothing when nothing was stored after `after`, and is live at once', async () => {
    const last = await storeOne();
    const events = stream({ after: String(last.sequence) });
    const live = await storeOne();
    await bus.publish([live]);
    const first = await nextWithin(events);
    expect(String(first.value.sequence)).toBe(String(live.sequence));
    await events.return!();
  });

  it('joins catch-up and live events with no duplicates and no gaps, whenever the live copies arrive', async () => {
    const stored = await storeMany(1200);
    const position = new Map(stored.map((e, i) => [String(e.sequence), i]));
    const fresh: HubEvent[] = [];
    const storeFresh = async (n: number) => {
      const batch: HubEvent[] = [];
      for (let i = 0; i < n; i += 1) batch.push(await storeOne());
      fresh.push(...batch);
      return batch;
    };
    const pageCalls: Array<{ afterId: string; returned: number }> = [];
    let catchUpOver = false;
    /** Fresh events no catch-up page returned: each has its one live copy, and no other. */
    const onlyLive = new Set<string>();

    /** The real store, publishing live copies while each catch-up query is in flight. */
    class InterleavingStore extends EventStore {
      async after(kind: HubEventKind, afterId: string, filter: EventFilter, limit: number): Promise<HubEvent[]> {
        const call = pageCalls.length;
        const query = super.after(kind, afterId, filter, limit);
        const from = (position.get(afterId) ?? stored.length) + 1;
        // Rows this very page is about to return, and rows a later page will return.
        await bus.publish(stored.slice(from, from + 20));
        await bus.publish(stored.slice(from + limit + 10, from + limit + 40));
        // New events committed and published during the catch-up: a later page finds them too.
        if (call === 1) await bus.publish(await storeFresh(5));
        const page = await query;
        pageCalls.push({ afterId, returned: page.length });
        if (page.length < limit) {
          // Committed after the last page was read: only their live copies can bring these.
          catchUpOver = true;
          const liveOnly = await storeFresh(5);
          for (const event of liveOnly) onlyLive.add(String(event.sequence));
          await bus.publish(liveOnly);
        }
        return page;
      }
    }

    const events = stream({ store: new InterleavingStore(hub.db), after: String(stored[0].sequence) });
    const firstTen = [];
    for (let i = 0; i < 10; i += 1) firstTen.push((await nextWithin(events)).value);
    expect(ids(firstTen)).toEqual(ids(stored.slice(1, 11)));

    // Late live copies of events replayed or still to be replayed (as through Redis), and new events.
    await bus.publish(stored.slice(1150));
    await bus.publish(fresh.slice(0, 5));
    await bus.publish(await storeFresh(5));

    const untilNow = await readThrough(events, String(fresh[fresh.length - 1].sequence), 20_000);
    // The catch-up really was paged, and it has finished.
    expect(pageCalls.length).toBeGreaterThanOrEqual(3);
    expect(catchUpOver).toBe(true);

    // Once live: late copies of replayed events again, then new events.
    const replayedFresh = fresh.filter((e) => !onlyLive.has(String(e.sequence)));
    expect(replayedFresh).toHaveLength(10);
    await bus.publish(stored.slice(1190));
    await bus.publish(replayedFresh);
    await bus.publish(await storeFresh(5));
    const live = await readThrough(events, String(fresh[fresh.length - 1].sequence), 20_000);

    const received = [...firstTen, ...untilNow, ...live];
    const expected = [...stored.slice(1), ...fresh];
    expect(fresh).toHaveLength(20);
    expect(new Set(ids(received)).size).toBe(received.length);
    expect(ids(received)).toEqual(ids(expected));

    // Nothing else is queued behind them.
    const sentinel = await storeOne();
    await bus.publish([sentinel]);
    expect(String((await nextWithin(events)).value.sequence)).toBe(String(sentinel.sequence));
    await events.return!();
    expect(bus.listenerCount()).toBe(0);
  });

  it('lets a reconnecting subscriber catch up on more stored events than maxQueued (the reader paces the replay)', async () => {
    // The resolver uses the default maxQueued (1000); a dashboard that missed 1,200 events
    // must still get them all rather than being cut off on every reconnect.
    const stored = await storeMany(1200);
    let overflows = 0;
    const events = stream({ after: String(stored[0].sequence), onOverflow: () => (overflows += 1) });
    const received: HubEvent[] = [];
    for (let i = 0; i < 1199; i += 1) {
      const result = await nextWithin(events);
      if (result.done) break;
      received.push(result.value);
    }
    expect(overflows).toBe(0);
    expect(ids(received)).toEqual(ids(stored.slice(1)));
    await events.return!();
  });

  it('cuts off a reader that falls more than maxQueued behind: onOverflow once, listener removed, stream ended', async () => {
    const baseline = bus.listenerCount();
    let overflows = 0;
    const events = stream({ maxQueued: 3, onOverflow: () => (overflows += 1) });
    const other = stream();
    expect(bus.listenerCount()).toBe(baseline + 2);

    const batch = [await storeOne(), await storeOne(), await storeOne()];
    await bus.publish(batch);
    expect(overflows).toBe(0);
    await bus.publish([await storeOne()]);
    expect(overflows).toBe(1);
    expect(bus.listenerCount()).toBe(baseline + 1);

    await bus.publish([await storeOne(), await storeOne()]);
    expect(overflows).toBe(1);
    expect(await nextWithin(events)).toEqual({ value: undefined, done: true });
    // The other subscriber is unaffected.
    expect(String((await nextWithin(other)).value.sequence)).toBe(String(batch[0].sequence));
    await other.return!();
    expect(bus.listenerCount()).toBe(baseline);
  });

  it('removes its bus listener on return(), ending a pending read', async () => {
    const baseline = bus.listenerCount();
    const events = stream();
    const caughtUp = stream({ after: '0' });
    expect(bus.listenerCount()).toBe(baseline + 2);
    const pending = events.next();
    expect(await events.return!()).toEqual({ value: undefined, done: true });
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(bus.listenerCount()).toBe(baseline + 1);
    await caughtUp.return!();
    expect(bus.listenerCount()).toBe(baseline);

    // Events published afterwards reach neither.
    await bus.publish([await storeOne()]);
    expect(await nextWithin(events)).toEqual({ value: undefined, done: true });
    expect(await nextWithin(caughtUp)).toEqual({ value: undefined, done: true });
  });

  it('removes its bus listener on throw()', async () => {
    const baseline = bus.listenerCount();
    const events = stream();
    expect(bus.listenerCount()).toBe(baseline + 1);
    await expect(events.throw!(new Error('client went away'))).rejects.toThrow('client went away');
    expect(bus.listenerCount()).toBe(baseline);
  });
});
