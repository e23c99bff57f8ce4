/**
 * Batch sending over HTTP: one result per item, a bad item never blocks the good ones,
 * and the batch size limit is enforced before anything is stored.
 */
import { EventStore } from '../../src/events/eventStore';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { givenPatient } from '../support/fixtures';
import { validSend } from '../support/sending';
import {
  codeOf,
  dataOf,
  hubForEachTest,
  JANE,
  messageCount,
  messageRows,
  NOBODY,
} from './rulesSupport';

const SEND_BATCH = `
  mutation ($input: SendMessagesInput!) {
    sendMessages(input: $input) {
      accepted
      rejected
      results { index replayed error { code message } message { id status } }
    }
  }`;

const SHORT_BODY = 'Your flu vaccination is ready to book.\n\n[Book your flu vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\n\nThank you.';

/** `count` patients with valid, distinct NHS numbers (none of them Jane). */
function nhsNumbers(count: number): string[] {
  const numbers: string[] = [];
  for (let stem = 999_200_000; numbers.length < count; stem += 1) {
    const number = withCheckDigit(String(stem));
    if (number) numbers.push(number);
  }
  return numbers;
}

describe('sendMessages over HTTP', () => {
  const running = hubForEachTest();

  async function sendBatch(messages: Array<Record<string, unknown>>) {
    return running.server.graphql(SEND_BATCH, { input: { messages } });
  }

  it('answers one result per item: bad items get their own code, the good ones are stored', async () => {
    const noPurpose = validSend({ subject: 'Item 3' });
    delete noPurpose.purpose;
    const batch = [
      validSend({ subject: 'Item 0' }),
      validSend({ subject: 'Item 1', nhsNumber: NOBODY }),
      validSend({ subject: 'Item 2' }),
      noPurpose,
      validSend({ subject: 'Item 4' }),
    ];
    const payload = dataOf(await sendBatch(batch)).sendMessages;
    expect(payload.accepted).toBe(3);
    expect(payload.rejected).toBe(2);
    expect(payload.results.map((r: any) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(payload.results.map((r: any) => r.error?.code ?? null)).toEqual([null, 'PATIENT_NOT_FOUND', null, 'NO_LEGAL_BASIS', null]);
    expect(payload.results[1].message).toBeNull();
    expect(payload.results[3].message).toBeNull();
    expect(payload.results[1].error.message).toEqual(expect.any(String));

    const goodIds = [0, 2, 4].map((i) => payload.results[i].message.id);
    for (const i of [0, 2, 4]) expect(payload.results[i]).toMatchObject({ replayed: false, error: null, message: { status: 'QUEUED' } });
    const rows = await messageRows(running.hub);
    expect(rows.map((m) => m.id).sort()).toEqual([...goodIds].sort());
    expect(rows.map((m) => m.subject).sort()).toEqual(['Item 0', 'Item 2', 'Item 4']);
  });

  it('refuses a batch of 1,001 with BAD_USER_INPUT and stores nothing', async () => {
    const batch = Array.from({ length: 1001 }, (_, i) => validSend({ subject: `Item ${i}`, body: SHORT_BODY }));
    const result = await sendBatch(batch);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.data?.sendMessages ?? null).toBeNull();
    expect(await messageCount(running.hub)).toBe(0);
  });

  it('refuses an empty batch with BAD_USER_INPUT', async () => {
    const result = await sendBatch([]);
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });

  it('accepts a batch of 1,000 valid messages entirely', async () => {
    // 334 patients × up to 3 messages each stays within the default daily limit per patient.
    const patients = nhsNumbers(334);
    for (const nhsNumber of patients) await givenPatient(running.hub, { nhsNumber });
    const batch = Array.from({ length: 1000 }, (_, i) => validSend({ nhsNumber: patients[i % patients.length], subject: `Item ${i}`, body: SHORT_BODY }));
    const payload = dataOf(await sendBatch(batch)).sendMessages;
    expect(payload.rejected).toBe(0);
    expect(payload.accepted).toBe(1000);
    expect(payload.results).toHaveLength(1000);
    expect(payload.results.filter((r: any) => r.error !== null)).toEqual([]);
    const ids = new Set(payload.results.map((r: any) => r.message.id));
    expect(ids.size).toBe(1000);
    expect(await messageCount(running.hub)).toBe(1000);
  }, 180_000);

  it('reports replays inside a batch and across batches with replayed true', async () => {
    const flu = validSend({ idempotencyKey: 'batch-flu' });
    const review = validSend({ idempotencyKey: 'batch-review', subject: 'Your medication review', body: SHORT_BODY });
    const first = dataOf(await sendBatch([flu, review, flu])).sendMessages;
    expect(first.accepted).toBe(3);
    expect(first.results.map((r: any) => r.replayed)).toEqual([false, false, true]);
    expect(first.results[2].message.id).toBe(first.results[0].message.id);
    expect(await messageCount(running.hub)).toBe(2);

    running.clock.advance(60_000);
    const misuse = validSend({ idempotencyKey: 'batch-flu', body: 'A different message under the same key.\n\nThank you.' });
    const again = dataOf(await sendBatch([review, flu, misuse])).sendMessages;
    expect(again.results.map((r: any) => r.replayed)).toEqual([true, true, false]);
    expect(again.results[0].message.id).toBe(first.results[1].message.id);
    expect(again.results[1].message.id).toBe(first.results[0].message.id);
    expect(again.results[2].error.code).toBe('DUPLICATE_REQUEST');
    expect(again).toMatchObject({ accepted: 2, rejected: 1 });
    expect(await messageCount(running.hub)).toBe(2);
    expect((await messageRows(running.hub)).every((m) => m.nhsNumber === JANE)).toBe(true);
  });

  it('keeps the daily cap per patient inside one batch: items past it are refused alone, with nothing of theirs stored', async () => {
    const batch = Array.from({ length: 5 }, (_, i) => validSend({ subject: `Reminder ${i}`, body: SHORT_BODY }));
    const payload = dataOf(await sendBatch(batch)).sendMessages;
    expect(payload.results.map((r: any) => r.error?.code ?? null)).toEqual([null, null, null, 'TOO_MANY_MESSAGES', 'TOO_MANY_MESSAGES']);
    const stored = payload.results.filter((r: any) => r.message).map((r: any) => r.message.id).sort();
    const count = async (sql: string) => Number((await running.hub.db.dataSource.query(sql))[0].n);
    expect(await messageCount(running.hub)).toBe(3);
    expect(await count('SELECT COUNT(DISTINCT message_id) AS n FROM delivery_attempts')).toBe(3);
    const withWork = await running.hub.db.dataSource.query('SELECT DISTINCT message_id AS id FROM outbox');
    expect(withWork.map((r: { id: string }) => r.id).sort()).toEqual(stored);
    const withEvents = await running.hub.db.dataSource.query('SELECT DISTINCT message_id AS id FROM hub_events');
    expect(withEvents.map((r: { id: string }) => r.id).sort()).toEqual(stored);
  });

  it('stores each idempotency key once when batches sharing keys race, and answers every item', async () => {
    const patients = nhsNumbers(30);
    for (const nhsNumber of patients) await givenPatient(running.hub, { nhsNumber });
    const batch = patients.map((nhsNumber, i) => validSend({ nhsNumber, subject: `Item ${i}`, body: SHORT_BODY, idempotencyKey: `race-${i}` }));
    const answers = await Promise.all([sendBatch(batch), sendBatch([...batch].reverse()), sendBatch(batch)]);
    const payloads = answers.map((a) => dataOf(a).sendMessages);
    for (const payload of payloads) {
      expect(payload.rejected).toBe(0);
      expect(payload.accepted).toBe(30);
    }
    expect(await messageCount(running.hub)).toBe(30);
    const idsBySubject = (payload: any) => new Map(payload.results.map((r: any) => [r.index, r.message.id]));
    const [a, b, c] = payloads.map(idsBySubject);
    for (let i = 0; i < 30; i += 1) {
      expect(b.get(29 - i)).toBe(a.get(i));
      expect(c.get(i)).toBe(a.get(i));
    }
    const replayed = payloads.flatMap((p) => p.results.map((r: any) => r.replayed)).filter(Boolean).length;
    expect(replayed).toBe(60);
  }, 60_000);

  it("gives each batch's events consecutive ids in item order, and a reader resuming `after` the last id it saw while batches commit misses none", async () => {
    const patients = nhsNumbers(40);
    for (const nhsNumber of patients) await givenPatient(running.hub, { nhsNumber });
    const events = new EventStore(running.hub.db);
    const seen: string[] = [];
    let last = '0';
    let sending = true;
    const follow = (async () => {
      for (;;) {
        const finished = !sending;
        for (const event of await events.after('DELIVERY', last, {}, 1000)) {
          seen.push(String(event.sequence));
          last = String(event.sequence);
        }
        if (finished) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const batches = [0, 1, 2, 3].map((b) => patients.slice(b * 10, b * 10 + 10).map((nhsNumber, i) => validSend({ nhsNumber, subject: `Batch ${b} item ${i}`, body: SHORT_BODY })));
    const payloads = (await Promise.all(batches.map((batch) => sendBatch(batch)))).map((answer) => dataOf(answer).sendMessages);
    sending = false;
    await follow;

    const stored: Array<{ id: string | number; message_id: string }> = await running.hub.db.dataSource.query('SELECT sequence AS id, message_id FROM hub_events ORDER BY sequence');
    expect(stored).toHaveLength(40);
    expect(seen).toEqual(stored.map((e) => String(e.id)));
    const idOfMessage = new Map(stored.map((e) => [e.message_id, BigInt(e.id)]));
    for (const payload of payloads) {
      expect(payload.accepted).toBe(10);
      const ids = payload.results.map((r: any) => idOfMessage.get(r.message.id)!);
      expect(ids).toEqual(ids.map((_: bigint, i: number) => ids[0] + BigInt(i)));
    }
  }, 60_000);
});
