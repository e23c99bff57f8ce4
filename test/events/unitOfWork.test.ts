/**
 * inUnitOfWork: events recorded during the work are stored in its transaction, and numbered
 * and published by the event sequencer only once that transaction has committed, never for
 * rolled-back work; a failing publish never undoes (or fails) work that has committed.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { In } from 'typeorm';
import { HubEvent } from '../../entities/HubEvent';
import { Organisation } from '../../entities/Organisation';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { type Database, openDatabase } from '../../src/db/database';
import { inUnitOfWork, type UnitOfWorkDeps } from '../../src/db/unitOfWork';
import { Channel, FailureReason } from '../../src/vocabulary/delivery';
import { type EventBus, InProcessEventBus } from '../../src/events/eventBus';
import { EventSequencer } from '../../src/events/eventSequencer';
import { DeliveryEventType } from '../../src/vocabulary/events';
import { RedisEventBus } from '../../src/events/redisEventBus';
import type { Hub } from '../../src/hub';
import { OrganisationType } from '../../src/vocabulary/organisationType';
import { createLogger, type HubLogger } from '../../src/shared/logger';
import { createTestHub, resetDatabase } from '../support/testHub';

/** The suite's real Redis; TEST_REDIS_URL points it elsewhere. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AT = new Date('2026-03-10T10:00:00.000Z');

let hub: Hub;
/** A second connection: it sees only what the hub's connection has committed. */
let observer: Database;

beforeAll(async () => {
  hub = await createTestHub();
  observer = await openDatabase(hub.config.databaseUrl, { migrate: false });
});

afterAll(async () => {
  await observer.close();
  await hub.close();
});

beforeEach(async () => {
  await resetDatabase(hub);
});

function message(overrides: Partial<{ id: string; category: MessagingCategory; organisationOdsCode: string }> = {}) {
  return { id: randomUUID(), category: MessagingCategory.NHS_APP_MESSAGING, organisationOdsCode: 'A81001', ...overrides };
}

async function storedFor(messageIds: string[]): Promise<HubEvent[]> {
  return hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: In(messageIds) }, order: { id: 'ASC' } });
}

async function committedOrganisation(odsCode: string): Promise<boolean> {
  return (await observer.dataSource.getRepository(Organisation).countBy({ odsCode })) > 0;
}

/** A unit of work's deps whose sequencer publishes on `bus`. */
function deps(bus: EventBus, logger?: HubLogger): UnitOfWorkDeps {
  return { db: hub.db, sequencer: new EventSequencer({ db: hub.db, bus, logger }), logger };
}

function organisationRow(odsCode: string): Organisation {
  return Object.assign(new Organisation(), { odsCode, name: 'Unit of work surgery', type: OrganisationType.GP_PRACTICE, createdAt: AT, updatedAt: AT });
}

/** A real in-process bus that, as each publish starts, looks at what another connection can see. */
class CommitCheckingBus extends InProcessEventBus {
  readonly visibleAtPublish: Array<{ ids: string[]; committedIds: string[]; organisationCommitted: boolean }> = [];

  constructor(private readonly odsCode: string) {
    super();
  }

  async publish(events: HubEvent[]): Promise<void> {
    const ids = events.map((e) => String(e.sequence));
    const committed = await observer.dataSource.getRepository(HubEvent).findBy({ sequence: In(ids) });
    this.visibleAtPublish.push({ ids, committedIds: committed.map((e) => String(e.sequence)).sort(), organisationCommitted: await committedOrganisation(this.odsCode) });
    await super.publish(events);
  }
}

function captureLogs() {
  const lines: Array<Record<string, any>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'error', destination }), lines };
}

describe('inUnitOfWork', () => {
  it('stores the recorded events with the work and publishes them, with their sequence numbers, only after commit', async () => {
    const bus = new CommitCheckingBus('U11111');
    const received: HubEvent[] = [];
    bus.subscribe((event) => received.push(event));
    const first = message();
    const second = message({ category: MessagingCategory.IM1_PFS, organisationOdsCode: 'B82002' });
    const order: string[] = [];

    const result = await inUnitOfWork(deps(bus), async (uow) => {
      await uow.manager.getRepository(Organisation).insert(organisationRow('U11111'));
      uow.events.delivery(DeliveryEventType.QUEUED, first, AT, { id: 'attempt-1', channel: Channel.NHS_APP });
      uow.events.fallback(second, Channel.NHS_APP, Channel.SMS, FailureReason.NOT_NHS_APP_USER, AT);
      uow.events.delivery(DeliveryEventType.QUEUED, second, AT, { id: 'attempt-2', channel: Channel.SMS });
      uow.afterCommit(() => order.push(`hook after ${received.length} events`));
      // Recorded, but nothing has gone out while the transaction is open.
      expect(received).toHaveLength(0);
      expect(await committedOrganisation('U11111')).toBe(false);
      return 'the result';
    });

    expect(result).toBe('the result');
    expect(order).toEqual(['hook after 3 events']);
    // One publish, made when another connection could already see every row it carried.
    expect(bus.visibleAtPublish).toHaveLength(1);
    const [publish] = bus.visibleAtPublish;
    expect(publish.committedIds).toEqual([...publish.ids].sort());
    expect(publish.organisationCommitted).toBe(true);

    const stored = await storedFor([first.id, second.id]);
    expect(stored).toHaveLength(3);
    expect(received.map((e) => String(e.sequence))).toEqual(stored.map((e) => String(e.sequence)));
    // Sequence numbers increase in the order the events were recorded.
    const numeric = received.map((e) => BigInt(e.sequence!));
    expect([...numeric].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(numeric);
    expect(received.map((e) => [e.kind, e.type, e.messageId, e.channel, e.fromChannel, e.toChannel, e.reason, e.category, e.organisationOdsCode])).toEqual([
      ['DELIVERY', 'QUEUED', first.id, 'NHS_APP', null, null, null, 'NHS_APP_MESSAGING', 'A81001'],
      ['FALLBACK', null, second.id, null, 'NHS_APP', 'SMS', 'NOT_NHS_APP_USER', 'IM1_PFS', 'B82002'],
      ['DELIVERY', 'QUEUED', second.id, 'SMS', null, null, null, 'IM1_PFS', 'B82002'],
    ]);
    expect(stored.map((e) => e.attemptId)).toEqual(['attempt-1', null, 'attempt-2']);
  });

  it('publishes nothing when the work records no events, and still runs its hooks', async () => {
    const bus = new CommitCheckingBus('U22222');
    const received: HubEvent[] = [];
    bus.subscribe((event) => received.push(event));
    let hooked = false;
    await inUnitOfWork(deps(bus), async (uow) => {
      await uow.manager.getRepository(Organisation).insert(organisationRow('U22222'));
      uow.afterCommit(() => (hooked = true));
    });
    expect(bus.visibleAtPublish).toHaveLength(0);
    expect(received).toHaveLength(0);
    expect(hooked).toBe(true);
    expect(await committedOrganisation('U22222')).toBe(true);
  });

  it('stores and publishes nothing, and runs no hooks, when the work throws after recording events', async () => {
    const bus = new InProcessEventBus();
    const received: HubEvent[] = [];
    bus.subscribe((event) => received.push(event));
    const doomed = message();
    let hooked = false;

    await expect(
      inUnitOfWork(deps(bus), async (uow) => {
        await uow.manager.getRepository(Organisation).insert(organisationRow('U33333'));
        uow.events.delivery(DeliveryEventType.QUEUED, doomed, AT, { id: 'attempt-x', channel: Channel.NHS_APP });
        uow.events.fallback(doomed, Channel.NHS_APP, Channel.SMS, FailureReason.NOT_NHS_APP_USER, AT);
        uow.afterCommit(() => (hooked = true));
        throw new Error('the work failed half way');
      }),
    ).rejects.toThrow('the work failed half way');

    expect(received).toHaveLength(0);
    expect(hooked).toBe(false);
    expect(await storedFor([doomed.id])).toHaveLength(0);
    expect(await hub.db.dataSource.getRepository(HubEvent).count()).toBe(0);
    expect(await committedOrganisation('U33333')).toBe(false);

    // The next unit of work starts clean: none of the failed work's drafts leak into it.
    const next = message();
    await inUnitOfWork(deps(bus), async (uow) => {
      uow.events.delivery(DeliveryEventType.SENT, next, AT);
    });
    expect(received.map((e) => e.messageId)).toEqual([next.id]);
    expect((await hub.db.dataSource.getRepository(HubEvent).find()).map((e) => e.messageId)).toEqual([next.id]);
  });

  it('returns the committed result when publishing fails, logs the failure, and keeps the events for catch-up', async () => {
    class BrokenBus extends InProcessEventBus {
      attempts = 0;
      async publish(): Promise<void> {
        this.attempts += 1;
        throw new Error('event transport unavailable');
      }
    }
    const bus = new BrokenBus();
    const { logger, lines } = captureLogs();
    const sent = message();
    let hooked = false;

    const result = await inUnitOfWork(deps(bus, logger), async (uow) => {
      await uow.manager.getRepository(Organisation).insert(organisationRow('U44444'));
      uow.events.delivery(DeliveryEventType.QUEUED, sent, AT, { id: 'attempt-q', channel: Channel.NHS_APP });
      uow.afterCommit(() => (hooked = true));
      return 42;
    });

    expect(result).toBe(42);
    expect(bus.attempts).toBe(1);
    expect(hooked).toBe(true);
    expect(await committedOrganisation('U44444')).toBe(true);
    expect((await storedFor([sent.id])).map((e) => e.type)).toEqual(['QUEUED']);
    expect(lines.map((l) => l.msg)).toContain('publishing events failed');
  });

  it('with the Redis bus unable to reach Redis, still commits the work and logs that publishing failed', async () => {
    const bus = new RedisEventBus(REDIS_URL);
    await bus.whenReady();
    // Its connections are gone: every publish from now on fails at Redis.
    await bus.close();
    const { logger, lines } = captureLogs();
    const sent = message();

    const result = await inUnitOfWork(deps(bus, logger), async (uow) => {
      uow.events.delivery(DeliveryEventType.QUEUED, sent, AT, { id: 'attempt-r', channel: Channel.NHS_APP });
      return 'committed';
    });

    expect(result).toBe('committed');
    expect(await storedFor([sent.id])).toHaveLength(1);
    // An operator must be able to see that live delivery failed.
    expect(lines.map((l) => l.msg)).toContain('publishing events failed');
  });
});
