/**
 * A refresh applies each changed message's difference from what it last contributed. After
 * rounds of random changes — status, delivery on another channel and after another delay, read,
 * fallback, reports, SMS sends, category, new messages in hours and days that had none — over
 * ten days that include the start of British Summer Time (29 March 2026), the hourly and daily
 * rollups and the stored contributions must be exactly what a full rebuild writes; a refresh
 * that reads the same changes again (the watermark's overlap) must change nothing.
 */
import { In, IsNull } from 'typeorm';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { PatientReport } from '../../entities/PatientReport';
import { rebuildAllRollups, refreshRollups } from '../../src/analytics/refreshRollups';
import { CONTRIBUTIONS_IN_STEP } from '../../src/analytics/rollupStore';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { HOUR_MS } from '../../src/shared/durations';
import { newId } from '../../src/shared/ids';
import { mulberry32, seedLarge } from '../../scripts/seedLarge';
import { createTestHub } from '../support/testHub';

const KEYS = 'organisation_ods_code, category, delivered_channel';
const CATEGORIES = ['NHS_APP_MESSAGING', 'IM1_PFS', 'ONLINE_CONSULTATION', 'PHR'];
const CHANNELS = ['NHS_APP', 'SMS', 'EMAIL', 'LETTER'];

describe('refreshing the rollups from per-message differences', () => {
  const clock = new ManualClock('2026-04-02T09:30:00Z');
  // Deterministic, so a failure can be replayed.
  const random = mulberry32(12);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  let hub: Hub;
  /** Attempt numbers above any the seed writes. */
  let sequence = 100;

  const state = async () => ({
    hourly: await hub.db.dataSource.query(`SELECT * FROM delivery_rollups ORDER BY hour_start, ${KEYS}`),
    daily: await hub.db.dataSource.query(`SELECT * FROM delivery_rollups_daily ORDER BY london_day, ${KEYS}`),
    contributions: await hub.db.dataSource.query('SELECT * FROM delivery_contributions ORDER BY message_id'),
  });
  const refresh = () => refreshRollups({ rollups: hub.stores.rollups, clock });
  const rebuild = () => rebuildAllRollups({ rollups: hub.stores.rollups, clock });
  const messages = () => hub.db.dataSource.getRepository(Message);

  /** Changes about `count` random hub-sent messages in every way the rollups count, and adds new ones. */
  async function changeAtRandom(count: number): Promise<void> {
    const now = clock.now();
    const all = await messages().find({ where: { sourceReference: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } });
    const chosen = all.filter(() => random() < count / all.length);
    const reported: string[] = [];
    const smsSent: string[] = [];
    for (const message of chosen) {
      const delivered = new Date(message.createdAt.getTime() + Math.floor(random() * 3 * 86_400_000));
      switch (Math.floor(random() * 8)) {
        case 0:
          await messages().update({ id: message.id }, { status: 'FAILED' as any, deliveredChannel: null, deliveredAt: null, readAt: null, updatedAt: now });
          break;
        case 1:
          await messages().update({ id: message.id }, { status: 'DELIVERED' as any, deliveredChannel: pick(CHANNELS) as any, deliveredAt: delivered, readAt: null, updatedAt: now });
          break;
        case 2:
          await messages().update({ id: message.id }, { status: 'READ' as any, deliveredChannel: (message.deliveredChannel ?? 'NHS_APP') as any, deliveredAt: message.deliveredAt ?? delivered, readAt: now, updatedAt: now });
          break;
        case 3:
          await messages().update({ id: message.id }, { fallbackUsed: !message.fallbackUsed, updatedAt: now });
          break;
        case 4:
          await messages().update({ id: message.id }, { category: pick(CATEGORIES) as any, updatedAt: now });
          break;
        case 5:
          reported.push(message.id);
          break;
        case 6:
          smsSent.push(message.id);
          break;
        default:
          // Updated without any counted change.
          await messages().update({ id: message.id }, { updatedAt: now });
      }
    }
    if (reported.length) {
      await hub.db.dataSource
        .getRepository(PatientReport)
        .insert(reported.map((messageId) => Object.assign(new PatientReport(), { id: newId(), messageId, reason: 'UNWANTED', comment: null, createdAt: now })));
      await messages().update({ id: In(reported) }, { updatedAt: now });
    }
    if (smsSent.length) {
      await hub.db.dataSource.getRepository(DeliveryAttempt).insert(
        smsSent.map((messageId) =>
          Object.assign(new DeliveryAttempt(), { id: newId(), messageId, channel: 'SMS', sequence: (sequence += 1), status: 'SENT', failureReason: null, providerReference: null, notification: null, retryCount: 0, createdAt: now, updatedAt: now, sentAt: now, deliveredAt: null, readAt: null, failedAt: null }),
        ),
      );
      await messages().update({ id: In(smsSent) }, { updatedAt: now });
    }
    // New messages: some in hours and days with none yet (before the first, around the clock change, just now).
    const templates = chosen.slice(0, 40);
    const times = [
      new Date(all[0].createdAt.getTime() - 3 * 86_400_000),
      new Date('2026-03-29T00:40:00Z'),
      new Date('2026-03-29T01:20:00Z'),
      new Date(now.getTime() - 1000),
    ];
    const added = templates.map((template, i) => {
      const createdAt = i < times.length ? times[i] : new Date(now.getTime() - Math.floor(random() * 9 * 86_400_000));
      return Object.assign(new Message(), { ...template, id: newId(), idempotencyKey: null, requestHash: null, createdAt, updatedAt: now });
    });
    if (added.length) await messages().insert(added);
  }

  beforeAll(async () => {
    hub = await createTestHub({ clock });
    await seedLarge(hub.db, { messages: 2500, days: 10, organisations: 15, clock, log: () => undefined });
  }, 120_000);

  afterAll(async () => {
    await hub.close();
  });

  it('leaves after rounds of random changes exactly what a full rebuild leaves, and repeating a refresh changes nothing', async () => {
    expect(await hub.stores.rollups.contributionsInStep()).toBe(true);
    const seeded = await state();
    expect(seeded.contributions).toHaveLength(2500);
    for (let round = 0; round < 3; round += 1) {
      clock.advance(90_000);
      await changeAtRandom(round === 0 ? 900 : 300);
      clock.advance(1000);
      expect(await refresh()).toBeGreaterThan(0);
    }
    const refreshed = await state();
    expect(refreshed.hourly).not.toEqual(seeded.hourly);

    // Within the overlap every change is read again: nothing may be counted twice.
    clock.advance(60_000);
    expect(await refresh()).toBeGreaterThan(0);
    expect(await state()).toEqual(refreshed);
    // Also when each of them is read whole again and compared with its stored contribution.
    const overlap = new Date(clock.now().getTime() - 5 * 60_000);
    await hub.db.dataSource.query("UPDATE delivery_contributions SET message_updated_at = '2000-01-01 00:00:00' WHERE message_id IN (SELECT id FROM messages WHERE updated_at > ?)", [
      hub.db.kind === 'mysql' ? overlap : overlap.toISOString().replace('T', ' ').replace('Z', ''),
    ]);
    clock.advance(1000);
    await refresh();
    expect(await state()).toEqual(refreshed);

    await rebuild();
    expect(await state()).toEqual(refreshed);
  }, 60_000);

  it('counts a message again after each change, also when it changes again within the overlap', async () => {
    const [message] = await messages().find({ where: { status: 'DELIVERED' as any, deliveredChannel: 'NHS_APP' as any }, take: 1 });
    for (const change of [{ readAt: clock.now(), status: 'READ' as any }, { fallbackUsed: !message.fallbackUsed }, { deliveredChannel: 'SMS' as any }]) {
      clock.advance(1000);
      await messages().update({ id: message.id }, { ...change, updatedAt: clock.now() });
      clock.advance(1000);
      await refresh();
    }
    const refreshed = await state();
    await rebuild();
    expect(await state()).toEqual(refreshed);
  });

  it('rebuilds everything on the first refresh after an upgrade, then applies differences again', async () => {
    const rebuilt = await state();
    // As the migration leaves an existing database: rollups present, no contributions, not in step.
    await hub.db.dataSource.query('DELETE FROM delivery_contributions');
    await hub.db.dataSource.query(`DELETE FROM hub_state WHERE name = '${CONTRIBUTIONS_IN_STEP}'`);
    clock.advance(HOUR_MS);
    await changeAtRandom(200);
    clock.advance(1000);
    expect(await refresh()).toBeGreaterThan(400);
    expect(await hub.stores.rollups.contributionsInStep()).toBe(true);
    const upgraded = await state();
    expect(upgraded.hourly).not.toEqual(rebuilt.hourly);
    await rebuild();
    expect(await state()).toEqual(upgraded);

    clock.advance(HOUR_MS);
    await changeAtRandom(200);
    clock.advance(1000);
    await refresh();
    const refreshed = await state();
    await rebuild();
    expect(await state()).toEqual(refreshed);
  }, 60_000);
});
