/**
 * The bulk seed behind `npm run seed:large` and the metrics benchmark, at a size the suite
 * can afford: 2,000 messages into the test database, checked against the messages table
 * directly and through deliveryMetrics (which reads the rollups the seed rebuilds).
 */
import { deliveryMetrics } from '../../src/analytics/deliveryMetrics';
import { MetricsDimension } from '../../src/analytics/metricsQuery';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import type { Hub } from '../../src/hub';
import { isValidNhsNumber } from '../../src/patients/nhsNumber';
import { seedLarge, type SeedLargeResult } from '../../scripts/seedLarge';
import { createTestHub } from '../support/testHub';
import { DAY_MS } from '../../src/shared/durations';

const MESSAGES = 2000;

describe('seedLarge', () => {
  let hub: Hub;
  let result: SeedLargeResult;

  const scalar = async (sql: string): Promise<number> => Number((await hub.db.dataSource.query(sql))[0].n ?? 0);

  beforeAll(async () => {
    hub = await createTestHub();
    result = await seedLarge(hub.db, { messages: MESSAGES, days: 90, organisations: 200, clock: hub.clock, log: () => undefined });
  }, 120_000);

  afterAll(async () => {
    await hub.close();
  });

  it('writes the requested number of hub-sent messages, organisations and valid patients', async () => {
    expect(result.messages).toBe(MESSAGES);
    expect(await scalar('SELECT COUNT(*) AS n FROM messages WHERE source_reference IS NULL')).toBe(MESSAGES);
    expect(await scalar('SELECT COUNT(*) AS n FROM messages')).toBe(MESSAGES);
    expect(await scalar('SELECT COUNT(*) AS n FROM organisations')).toBe(200);
    const patients: Array<{ nhs_number: string }> = await hub.db.dataSource.query('SELECT nhs_number FROM patients');
    expect(patients.length).toBe(result.patients);
    expect(patients.every((p) => isValidNhsNumber(p.nhs_number))).toBe(true);
  });

  it('spreads the messages over the last 90 days, never in the future', async () => {
    const instant = async (sql: string) => {
      const value: Date | string = (await hub.db.dataSource.query(sql))[0].at;
      return (value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`)).getTime();
    };
    const first = await instant('SELECT MIN(created_at) AS at FROM messages');
    const last = await instant('SELECT MAX(created_at) AS at FROM messages');
    const now = hub.clock.now().getTime();
    expect(first).toBeGreaterThanOrEqual(now - 90 * DAY_MS);
    expect(first).toBeLessThan(now - 80 * DAY_MS);
    expect(last).toBeLessThan(now);
    expect(await scalar('SELECT COUNT(*) AS n FROM messages WHERE delivered_at > updated_at OR read_at > updated_at OR read_at < delivered_at')).toBe(0);
  });

  it('records about one and a half delivery attempts per message', async () => {
    const attempts = await scalar('SELECT COUNT(*) AS n FROM delivery_attempts');
    expect(result.attempts).toBe(attempts);
    expect(attempts / MESSAGES).toBeGreaterThanOrEqual(1.2);
    expect(attempts / MESSAGES).toBeLessThanOrEqual(1.9);
    // Every message has its attempts numbered 1, 2, … without gaps.
    expect(await scalar('SELECT COUNT(*) AS n FROM messages m WHERE NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.message_id = m.id AND a.sequence = 1)')).toBe(0);
    expect(await scalar('SELECT COUNT(*) AS n FROM delivery_attempts a WHERE a.sequence > 1 AND NOT EXISTS (SELECT 1 FROM delivery_attempts b WHERE b.message_id = a.message_id AND b.sequence = a.sequence - 1)')).toBe(0);
  });

  it('has messages in every category and a realistic mix of outcomes', async () => {
    const byCategory: Array<{ category: string; n: number | string }> = await hub.db.dataSource.query('SELECT category, COUNT(*) AS n FROM messages GROUP BY category');
    expect(byCategory.map((r) => r.category).sort()).toEqual(Object.values(MessagingCategory).sort());
    const share = async (where: string) => (await scalar(`SELECT COUNT(*) AS n FROM messages WHERE ${where}`)) / MESSAGES;
    expect(await share("category = 'NHS_APP_MESSAGING'")).toBeGreaterThan(0.6);
    expect(await share("delivered_channel = 'NHS_APP'")).toBeGreaterThan(0.6);
    expect(await share("delivered_channel = 'SMS'")).toBeGreaterThan(0.08);
    expect(await share("status = 'FAILED'")).toBeGreaterThan(0.02);
    expect(await share("status = 'FAILED'")).toBeLessThan(0.1);
    expect(await share("status IN ('QUEUED', 'SENDING')")).toBeGreaterThan(0);
    expect(await share('read_at IS NOT NULL')).toBeGreaterThan(0.3);
    expect(await scalar('SELECT MIN(sms_fragments) AS n FROM messages')).toBeGreaterThanOrEqual(1);
    expect(await scalar('SELECT MAX(sms_fragments) AS n FROM messages')).toBeLessThanOrEqual(3);
    expect(await scalar('SELECT COUNT(*) AS n FROM patient_reports')).toBe(result.reports);
  });

  it('leaves rollups from which deliveryMetrics answers the same national totals as the messages table', async () => {
    const now = hub.clock.now();
    const range = { from: new Date(now.getTime() - 91 * DAY_MS), to: new Date(now.getTime() + DAY_MS) };
    const [total] = await deliveryMetrics({ metrics: hub.stores.metrics, smsFragmentPricePence: 2 }, range);
    const hubSent = 'FROM messages WHERE source_reference IS NULL';
    expect(total).toMatchObject({
      messages: await scalar(`SELECT COUNT(*) AS n ${hubSent}`),
      delivered: await scalar(`SELECT COUNT(*) AS n ${hubSent} AND delivered_at IS NOT NULL`),
      read: await scalar(`SELECT COUNT(*) AS n ${hubSent} AND read_at IS NOT NULL`),
      failed: await scalar(`SELECT COUNT(*) AS n ${hubSent} AND status = 'FAILED'`),
      fallbacks: await scalar(`SELECT COUNT(*) AS n ${hubSent} AND fallback_used = 1`),
      smsFragmentsAvoided: await scalar(`SELECT SUM(sms_fragments) AS n ${hubSent} AND delivered_channel = 'NHS_APP'`),
      smsFragmentsSent: await scalar(
        "SELECT SUM(m.sms_fragments) AS n FROM delivery_attempts a JOIN messages m ON m.id = a.message_id WHERE a.channel = 'SMS' AND a.sent_at IS NOT NULL AND m.source_reference IS NULL",
      ),
      patientReports: await scalar('SELECT COUNT(*) AS n FROM patient_reports r JOIN messages m ON m.id = r.message_id WHERE m.source_reference IS NULL'),
    });
    expect(total.messages).toBe(MESSAGES);

    const byCategory = await deliveryMetrics({ metrics: hub.stores.metrics, smsFragmentPricePence: 2 }, range, [MetricsDimension.CATEGORY]);
    const counted: Array<{ category: string; n: number | string }> = await hub.db.dataSource.query(`SELECT category, COUNT(*) AS n ${hubSent} GROUP BY category ORDER BY category`);
    expect(byCategory.map((r) => [r.category, r.messages])).toEqual(counted.map((r) => [r.category, Number(r.n)]));
  });

  it('refuses to add to a database that already holds messages unless told to append', async () => {
    await expect(seedLarge(hub.db, { messages: 10, clock: hub.clock, log: () => undefined })).rejects.toThrow(/--append/);
    expect(await scalar('SELECT COUNT(*) AS n FROM messages')).toBe(MESSAGES);
  });
});
