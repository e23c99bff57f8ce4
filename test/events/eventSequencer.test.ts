/**
 * The event sequencer: committed events get their public sequence in the order they became
 * visible, with no gaps and no number given twice, even from two hubs at once; events still
 * being written are numbered after they commit, never below what a reader has already seen;
 * and events an instance committed but never numbered are numbered by the sweep.
 */
import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { HubEvent } from '../../entities/HubEvent';
import { inUnitOfWork } from '../../src/db/unitOfWork';
import { InProcessEventBus } from '../../src/events/eventBus';
import { EventRecorder } from '../../src/events/eventRecorder';
import { EventSequencer } from '../../src/events/eventSequencer';
import type { Hub } from '../../src/hub';
import { Channel } from '../../src/vocabulary/delivery';
import { DeliveryEventType } from '../../src/vocabulary/events';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { createTestHub, resetDatabase } from '../support/testHub';

jest.setTimeout(60_000);

const AT = new Date('2026-03-10T10:00:00.000Z');
let hub: Hub;

beforeAll(async () => {
  hub = await createTestHub();
});

afterAll(async () => {
  await hub.close();
});

beforeEach(async () => {
  await resetDatabase(hub);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function message() {
  return { id: randomUUID(), category: MessagingCategory.NHS_APP_MESSAGING, organisationOdsCode: 'A81001' };
}

/** Commits `types.length` delivery events for one message through a unit of work numbered by `sequencer`. */
async function commitEvents(sequencer: EventSequencer, types: DeliveryEventType[]): Promise<string> {
  const sent = message();
  await inUnitOfWork({ db: hub.db, sequencer }, async (uow) => {
    for (const type of types) uow.events.delivery(type, sent, AT, { id: randomUUID(), channel: Channel.NHS_APP });
  });
  return sent.id;
}

async function eventsOf(messageIds: string[]): Promise<HubEvent[]> {
  return hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: In(messageIds) }, order: { id: 'ASC' } });
}

const bySequence = (a: HubEvent, b: HubEvent) => (BigInt(a.sequence!) < BigInt(b.sequence!) ? -1 : 1);

describe('EventSequencer', () => {
  it('numbers events in the order their transactions commit, not the order they were stored, and never shows an open transaction’s events', async () => {
    const early = message();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let stored!: () => void;
    const isStored = new Promise<void>((resolve) => (stored = resolve));
    const commits: string[] = [];

    // Stores its event first, then stays open.
    const slow = inUnitOfWork({ db: hub.db, sequencer: hub.sequencer }, async (uow) => {
      uow.events.delivery(DeliveryEventType.QUEUED, early, AT);
      await uow.events.store(uow.manager);
      stored();
      await released;
    }).then(() => commits.push(early.id));
    await isStored;

    // Meanwhile another transaction stores and commits (on SQLite it waits for the first).
    const laterId = commitEvents(hub.sequencer, [DeliveryEventType.QUEUED]).then((id) => {
      commits.push(id);
      return id;
    });
    const settledWhileOpen = await Promise.race([laterId.then(() => true), sleep(1000).then(() => false)]);
    // On MySQL nothing makes it wait for the open transaction; SQLite runs one transaction at a time.
    expect(settledWhileOpen).toBe(hub.db.dataSource.options.type !== 'better-sqlite3');
    if (settledWhileOpen) {
      // Numbered and readable although the first transaction is still open; the open one's event is not.
      const readable = await hub.stores.events.after('DELIVERY', '0', {}, 100);
      expect(readable.map((e) => e.messageId)).toEqual([await laterId]);
    }
    release();
    await slow;
    const later = await laterId;
    // The slow transaction stored its events itself, so it asks for them to be numbered.
    await hub.sequencer.settle();

    const [first, second] = commits;
    const events = await eventsOf([early.id, later]);
    expect(events).toHaveLength(2);
    const numbered = [...events].sort(bySequence);
    expect(numbered.map((e) => e.messageId)).toEqual([first, second]);
    expect(numbered.map((e) => e.sequence)).toEqual(['1', '2']);
    // Stored first, committed last: its row id is the lower one, its sequence the higher.
    if (settledWhileOpen) expect(BigInt(events[0].id)).toBeLessThan(BigInt(events[1].id));
    if (settledWhileOpen) expect(events[0].messageId).toBe(early.id);
  });

  it('gives events committed by 20 concurrent units of work every number once, with no gaps, each message’s events in the order recorded, and a reader following `after` misses none', async () => {
    const seen: HubEvent[] = [];
    let last = '0';
    let writing = true;
    const follow = (async () => {
      for (;;) {
        const finished = !writing;
        for (const event of await hub.stores.events.after('DELIVERY', last, {}, 1000)) {
          seen.push(event);
          last = String(event.sequence);
        }
        if (finished) return;
        await sleep(2);
      }
    })();
    const types = [DeliveryEventType.QUEUED, DeliveryEventType.SENT, DeliveryEventType.DELIVERED];
    const messageIds = await Promise.all(Array.from({ length: 20 }, () => commitEvents(hub.sequencer, types)));
    writing = false;
    await follow;

    const stored = (await eventsOf(messageIds)).sort(bySequence);
    expect(stored).toHaveLength(60);
    expect(stored.map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)));
    expect(seen.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
    for (const id of messageIds) expect(stored.filter((e) => e.messageId === id).map((e) => e.type)).toEqual(types);
  });

  it('has the sweep number and publish events that an instance committed but stopped before numbering', async () => {
    const orphan = message();
    // Stored and committed the way a unit of work does, but nobody asks the sequencer.
    await hub.db.transaction(async (manager) => {
      const recorder = new EventRecorder();
      recorder.delivery(DeliveryEventType.QUEUED, orphan, AT);
      recorder.delivery(DeliveryEventType.SENT, orphan, AT);
      await recorder.store(manager);
    });
    expect((await eventsOf([orphan.id])).map((e) => e.sequence)).toEqual([null, null]);
    expect(await hub.stores.events.after('DELIVERY', '0', {}, 100)).toEqual([]);

    const bus = new InProcessEventBus();
    const published: HubEvent[] = [];
    bus.subscribe((event) => published.push(event));
    const sweeper = new EventSequencer({ db: hub.db, bus }, 50);
    sweeper.start();
    try {
      const deadline = Date.now() + 10_000;
      while (published.length < 2 && Date.now() < deadline) await sleep(20);
    } finally {
      await sweeper.stop();
    }
    expect(published.map((e) => [e.messageId, e.type, e.sequence])).toEqual([
      [orphan.id, 'QUEUED', '1'],
      [orphan.id, 'SENT', '2'],
    ]);
    expect((await eventsOf([orphan.id])).map((e) => e.sequence)).toEqual(['1', '2']);
  });

  it('never gives one number twice when two sequencers (as in two hub instances) number events at once', async () => {
    const otherInstance = new EventSequencer({ db: hub.db, bus: new InProcessEventBus() });
    const types = [DeliveryEventType.QUEUED, DeliveryEventType.SENT];
    const messageIds = await Promise.all(Array.from({ length: 30 }, (_, i) => commitEvents(i % 2 === 0 ? hub.sequencer : otherInstance, types)));
    const stored = (await eventsOf(messageIds)).sort(bySequence);
    expect(stored.map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)));
    for (const id of messageIds) expect(stored.filter((e) => e.messageId === id).map((e) => e.type)).toEqual(types);
  });
});
