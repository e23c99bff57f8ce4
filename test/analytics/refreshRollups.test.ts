/**
 * The refresher rebuilds every changed organisation-hour at once; what it leaves must be exactly
 * what a rebuild of everything from the messages gives, hourly and daily rows alike, when the
 * changes are spread over hundreds of organisation-hours, many days and a change of the
 * clocks (British Summer Time starts on 29 March 2026).
 */
import { In } from 'typeorm';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { PatientReport } from '../../entities/PatientReport';
import { rebuildAllRollups, refreshRollups } from '../../src/analytics/refreshRollups';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { newId } from '../../src/shared/ids';
import { seedLarge } from '../../scripts/seedLarge';
import { createTestHub } from '../support/testHub';

const KEYS = 'organisation_ods_code, category, delivered_channel';

describe('refreshing the delivery rollups after many scattered changes', () => {
  const clock = new ManualClock('2026-04-03T12:00:00Z');
  let hub: Hub;

  const hourly = () => hub.db.dataSource.query(`SELECT * FROM delivery_rollups ORDER BY hour_start, ${KEYS}`);
  const daily = () => hub.db.dataSource.query(`SELECT * FROM delivery_rollups_daily ORDER BY london_day, ${KEYS}`);

  beforeAll(async () => {
    hub = await createTestHub({ clock });
    await seedLarge(hub.db, { messages: 3000, days: 10, organisations: 20, clock, log: () => undefined });
  }, 120_000);

  afterAll(async () => {
    await hub.close();
  });

  it('leaves the same hourly and daily rollups as a full rebuild', async () => {
    const before = { hourly: await hourly(), daily: await daily() };
    const messages = hub.db.dataSource.getRepository(Message);
    const ids = (await messages.find({ select: { id: true }, order: { id: 'ASC' } })).map((m) => m.id).filter((_, i) => i % 4 === 0);
    const group = (n: number) => ids.filter((_, i) => i % 4 === n);
    clock.advance(60_000);
    const now = clock.now();

    // Moved to another category: a slice can empty and disappear.
    await messages.update({ id: In(group(0)) }, { category: 'IM1_PFS' as any, updatedAt: now });
    // Failed after all: out of the delivered channel's slice, into the undelivered one.
    await messages.update({ id: In(group(1)) }, { status: 'FAILED' as any, deliveredChannel: null, deliveredAt: null, readAt: null, fallbackUsed: true, updatedAt: now });
    // Read.
    await messages.update({ id: In(group(2)) }, { status: 'READ' as any, readAt: now, updatedAt: now });
    // Reported by the patient, and sent by SMS once more.
    const reported = group(3);
    await hub.db.dataSource.getRepository(PatientReport).insert(reported.map((messageId) => Object.assign(new PatientReport(), { id: newId(), messageId, reason: 'UNWANTED', comment: null, createdAt: now })));
    await hub.db.dataSource.getRepository(DeliveryAttempt).insert(
      reported.map((messageId) =>
        Object.assign(new DeliveryAttempt(), { id: newId(), messageId, channel: 'SMS', sequence: 99, status: 'DELIVERED', failureReason: null, providerReference: null, notification: null, retryCount: 0, createdAt: now, updatedAt: now, sentAt: now, deliveredAt: null, readAt: null, failedAt: null }),
      ),
    );
    await messages.update({ id: In(reported) }, { updatedAt: now });

    const rebuilt = await refreshRollups({ rollups: hub.stores.rollups, clock });
    // More organisation-hours than one statement takes, over every day of the ten.
    expect(rebuilt).toBeGreaterThan(400);
    const refreshed = { hourly: await hourly(), daily: await daily() };
    expect(new Set(refreshed.daily.map((r: { london_day: string }) => r.london_day)).size).toBeGreaterThanOrEqual(10);
    expect(refreshed).not.toEqual(before);

    await rebuildAllRollups({ rollups: hub.stores.rollups, clock });
    expect(refreshed).toEqual({ hourly: await hourly(), daily: await daily() });
  });

  it('is harmless to repeat, and rebuilds nothing once no change is recent', async () => {
    const before = { hourly: await hourly(), daily: await daily() };
    clock.advance(60_000);
    // Changes within the overlap are read again (one may have committed late) and rebuilt to the same rows.
    expect(await refreshRollups({ rollups: hub.stores.rollups, clock })).toBeGreaterThan(0);
    expect({ hourly: await hourly(), daily: await daily() }).toEqual(before);
    // The watermark has moved past the overlap after the changes: the next refresh but one finds none.
    clock.advance(10 * 60_000);
    await refreshRollups({ rollups: hub.stores.rollups, clock });
    clock.advance(60_000);
    expect(await refreshRollups({ rollups: hub.stores.rollups, clock })).toBe(0);
    expect({ hourly: await hourly(), daily: await daily() }).toEqual(before);
  });
});
