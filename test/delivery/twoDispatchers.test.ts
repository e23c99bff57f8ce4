/**
 * Two dispatchers polling one outbox at the same time never send the same attempt twice.
 * On MariaDB they are separate hubs with their own connection pools, racing on
 * SELECT … FOR UPDATE SKIP LOCKED; on embedded SQLite they share the one connection.
 */
import { Dispatcher } from '../../src/delivery/dispatcher';
import type { Hub } from '../../src/hub';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { sendMessage } from '../../src/messages/sendMessage';
import { ManualClock } from '../../src/shared/clock';
import { UNRESTRICTED } from '../../src/shared/scope';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { validSend } from '../support/sending';
import { providerEnv, startSupplier, type Supplier } from '../support/supplierServer';
import { createTestHub } from '../support/testHub';

describe('two dispatchers on one outbox', () => {
  let supplier: Supplier;
  let first: Hub;
  let second: Hub;
  const clock = new ManualClock('2026-03-10T10:00:00Z');

  beforeAll(async () => {
    // The supplier answers slowly so both dispatchers are busy at the same time.
    supplier = await startSupplier((call) => ({ status: 202, json: { providerReference: `ref-${call.idempotencyKey}` } }));
    const env = { ...providerEnv(supplier), MAX_MESSAGES_PER_PATIENT_PER_DAY: '100' };
    first = await createTestHub({ clock, env });
    second = first.db.kind === 'mysql' ? await createTestHub({ clock, env, databaseUrl: first.config.databaseUrl, keepData: true }) : first;
  });

  afterAll(async () => {
    if (second !== first) await second.close();
    await first.close();
    await supplier.close();
  });

  it('sends each of 120 attempts exactly once between them', async () => {
    await givenOrganisation(first);
    const patients: string[] = [];
    for (let stem = 999100001; patients.length < 30; stem += 1) {
      const nhsNumber = withCheckDigit(String(stem));
      if (nhsNumber) patients.push(nhsNumber);
    }
    for (const nhsNumber of patients) await givenPatient(first, { nhsNumber, mobileNumber: null, email: null });
    const messageIds: string[] = [];
    for (let i = 0; i < 120; i += 1) {
      const input = validSend({ nhsNumber: patients[i % patients.length], subject: `Reminder ${i}` }) as any;
      messageIds.push((await sendMessage(first.useCases.send, input, UNRESTRICTED)).message.id);
    }

    const a = new Dispatcher(first.useCases.dispatch, { intervalMs: 10, batchSize: 7, concurrency: 3 });
    const b = new Dispatcher(second.useCases.dispatch, { intervalMs: 10, batchSize: 7, concurrency: 3 });
    await Promise.all([a.drain(), b.drain()]);

    const keys = supplier.calls.map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(120);
    expect(new Set(keys).size).toBe(120);
    // Both took part: the work was shared, not done by one while the other idled.
    expect(a.stats.processed).toBeGreaterThan(0);
    expect(b.stats.processed).toBeGreaterThan(0);
    expect(a.stats.processed + b.stats.processed).toBe(120);
    expect(await first.stores.outbox.depth()).toBe(120); // the unread timers, one per app message
    const sentMessages = new Set(supplier.calls.map((c) => c.body.messageId));
    expect(sentMessages).toEqual(new Set(messageIds));
  });
});
