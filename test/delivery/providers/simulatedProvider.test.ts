import {
  LETTER_DELIVERY_MS,
  SimulatedProvider,
  parseSimulationPlan,
  type SimulationPlan,
} from '../../../src/delivery/providers/simulatedProvider';
import type { ProviderOutcome, ProviderRequest } from '../../../src/delivery/providers/channelProvider';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../../../src/vocabulary/delivery';

function request(channel: Channel, attemptId: string, extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return {
    attemptId,
    messageId: `message-${attemptId}`,
    channel,
    nhsNumber: '9434765919',
    mobileNumber: channel === Channel.SMS ? '07700900123' : undefined,
    email: channel === Channel.EMAIL ? 'patient@example.com' : undefined,
    postalAddress: channel === Channel.LETTER ? '1 High Street, Leeds' : undefined,
    subject: 'Subject',
    body: 'Body',
    ...extra,
  };
}

const ids = (n: number, prefix = 'attempt') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

async function sendAll(provider: SimulatedProvider, channel: Channel, attemptIds: string[]): Promise<Map<string, ProviderOutcome>> {
  const outcomes = new Map<string, ProviderOutcome>();
  for (const id of attemptIds) outcomes.set(id, await provider.send(request(channel, id)));
  return outcomes;
}

const mixedPlan: SimulationPlan = {
  seed: 7,
  rejectRate: { SMS: 0.2, NHS_APP: 0.2 },
  temporaryFailureRate: { SMS: 0.3, NHS_APP: 0.3 },
  readRate: 0.5,
  outOfOrderRate: 0.3,
};

describe('SimulatedProvider', () => {
  it('is named after its channel and does not sleep', async () => {
    const provider = new SimulatedProvider(Channel.SMS, { latencyMs: 60_000 });
    expect(provider.name).toBe('simulated:SMS');
    const started = Date.now();
    await provider.send(request(Channel.SMS, 'a'));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives the same outcomes for the same plan and attempt ids whatever the order', async () => {
    for (const channel of [Channel.SMS, Channel.NHS_APP]) {
      const attemptIds = ids(60);
      const forwards = await sendAll(new SimulatedProvider(channel, mixedPlan), channel, attemptIds);
      const backwards = await sendAll(new SimulatedProvider(channel, mixedPlan), channel, [...attemptIds].reverse());
      expect(backwards).toEqual(forwards);
      // The plan is mixed enough that this is not trivially true.
      const kinds = new Set([...forwards.values()].map((o) => o.kind));
      expect(kinds).toEqual(new Set(['accepted', 'rejected', 'temporary']));
    }
  });

  it('repeats the same sequence of outcomes when an attempt is retried, independent of other attempts', async () => {
    const plan: SimulationPlan = { seed: 3, temporaryFailureRate: { EMAIL: 0.5 } };
    const sequence = async (provider: SimulatedProvider, id: string) => {
      const kinds: string[] = [];
      for (let i = 0; i < 12; i += 1) kinds.push((await provider.send(request(Channel.EMAIL, id))).kind);
      return kinds;
    };
    const first = new SimulatedProvider(Channel.EMAIL, plan);
    const second = new SimulatedProvider(Channel.EMAIL, plan);
    await sendAll(second, Channel.EMAIL, ids(25, 'noise')); // unrelated traffic first
    const a = await sequence(first, 'retried');
    expect(await sequence(second, 'retried')).toEqual(a);
    // Until accepted, each retry rolls afresh; once accepted the attempt is final.
    const firstAccepted = a.indexOf('accepted');
    expect(firstAccepted).toBeGreaterThanOrEqual(0);
    expect(a.slice(0, firstAccepted).every((k) => k === 'temporary')).toBe(true);
  });

  it('lets a temporarily failing attempt succeed on a later send', async () => {
    const provider = new SimulatedProvider(Channel.SMS, { seed: 5, temporaryFailureRate: { SMS: 0.5 } });
    const sendsNeeded: number[] = [];
    for (const id of ids(50)) {
      let sends = 1;
      while ((await provider.send(request(Channel.SMS, id))).kind === 'temporary' && sends < 40) sends += 1;
      sendsNeeded.push(sends);
    }
    expect(Math.max(...sendsNeeded)).toBeLessThan(40); // every attempt got through eventually
    expect(sendsNeeded.some((n) => n > 1)).toBe(true); // and some needed a retry
  });

  it('gives a different seed different outcomes for some of 200 attempts', async () => {
    const plan = (seed: number): SimulationPlan => ({ ...mixedPlan, seed });
    const attemptIds = ids(200);
    const one = await sendAll(new SimulatedProvider(Channel.SMS, plan(1)), Channel.SMS, attemptIds);
    const two = await sendAll(new SimulatedProvider(Channel.SMS, plan(2)), Channel.SMS, attemptIds);
    const differing = attemptIds.filter((id) => one.get(id)!.kind !== two.get(id)!.kind);
    expect(differing.length).toBeGreaterThan(0);
  });

  it('rejects everything at rejectRate 1 and nothing at 0', async () => {
    const all = await sendAll(new SimulatedProvider(Channel.EMAIL, { rejectRate: { EMAIL: 1 } }), Channel.EMAIL, ids(100));
    for (const outcome of all.values()) {
      expect(outcome).toMatchObject({ kind: 'rejected', reason: FailureReason.INVALID_CONTACT_DETAILS });
    }
    const none = await sendAll(new SimulatedProvider(Channel.EMAIL, { rejectRate: { EMAIL: 0 } }), Channel.EMAIL, ids(100));
    for (const outcome of none.values()) expect(outcome.kind).toBe('accepted');
    // A rate for another channel does not apply.
    const other = await sendAll(new SimulatedProvider(Channel.EMAIL, { rejectRate: { SMS: 1 } }), Channel.EMAIL, ids(20));
    for (const outcome of other.values()) expect(outcome.kind).toBe('accepted');
  });

  it('uses RECIPIENT_INELIGIBLE for NHS_APP rejections', async () => {
    const outcome = await new SimulatedProvider(Channel.NHS_APP, { rejectRate: { NHS_APP: 1 } }).send(
      request(Channel.NHS_APP, 'x'),
    );
    expect(outcome).toMatchObject({ kind: 'rejected', reason: FailureReason.RECIPIENT_INELIGIBLE });
  });

  it.each([
    [Channel.NHS_APP, FailureReason.RECIPIENT_INELIGIBLE],
    [Channel.SMS, FailureReason.INVALID_CONTACT_DETAILS],
    [Channel.EMAIL, FailureReason.INVALID_CONTACT_DETAILS],
    [Channel.LETTER, FailureReason.INVALID_CONTACT_DETAILS],
  ])('always rejects an NHS number %s cannot reach, with %s', async (channel, reason) => {
    const provider = new SimulatedProvider(channel, { unreachable: { [channel]: ['9999999999'] } });
    for (const id of ids(20)) {
      expect(await provider.send(request(channel, id, { nhsNumber: '9999999999' }))).toMatchObject({ kind: 'rejected', reason });
      expect((await provider.send(request(channel, id))).kind).toBe('accepted');
    }
    // Unreachable on one channel only.
    const otherChannel = channel === Channel.SMS ? Channel.EMAIL : Channel.SMS;
    const other = new SimulatedProvider(otherChannel, { unreachable: { [channel]: ['9999999999'] } });
    expect((await other.send(request(otherChannel, 'y', { nhsNumber: '9999999999' }))).kind).toBe('accepted');
  });

  it('accepts with a deterministic reference and a DELIVERED receipt for SMS and EMAIL', async () => {
    for (const channel of [Channel.SMS, Channel.EMAIL]) {
      const outcome = await new SimulatedProvider(channel, { latencyMs: 1500 }).send(request(channel, 'attempt-42'));
      expect(outcome).toEqual({
        kind: 'accepted',
        providerReference: expect.stringMatching(new RegExp(`^sim-${channel.toLowerCase()}-[0-9a-f]{12}$`)),
        scheduledReceipts: [{ delayMs: 1500, status: DeliveryStatus.DELIVERED }],
      });
      const again = await new SimulatedProvider(channel, { seed: 99 }).send(request(channel, 'attempt-42'));
      expect(again.kind === 'accepted' && outcome.kind === 'accepted' && again.providerReference).toBe(
        outcome.kind === 'accepted' && outcome.providerReference,
      );
    }
  });

  it('delivers letters after 48 hours', async () => {
    const outcome = await new SimulatedProvider(Channel.LETTER).send(request(Channel.LETTER, 'letter-1'));
    expect(LETTER_DELIVERY_MS).toBe(48 * 60 * 60 * 1000);
    expect(outcome).toMatchObject({
      kind: 'accepted',
      providerReference: expect.stringMatching(/^sim-letter-[0-9a-f]{12}$/),
      scheduledReceipts: [{ delayMs: LETTER_DELIVERY_MS, status: DeliveryStatus.DELIVERED }],
    });
  });

  describe('NHS_APP receipts', () => {
    const receiptsOf = (outcome: ProviderOutcome) => {
      if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);
      return outcome.scheduledReceipts ?? [];
    };

    it('marks DELIVERED as NOTIFIED unless notifications are off, and READ comes later', async () => {
      const provider = new SimulatedProvider(Channel.NHS_APP, { readRate: 1, latencyMs: 1000, readAfterMs: 60_000 });
      expect(receiptsOf(await provider.send(request(Channel.NHS_APP, 'a')))).toEqual([
        { delayMs: 1000, status: DeliveryStatus.DELIVERED, notification: NotificationStatus.NOTIFIED },
        { delayMs: 61_000, status: DeliveryStatus.READ },
      ]);
      expect(receiptsOf(await provider.send(request(Channel.NHS_APP, 'b', { notificationsEnabled: true })))[0]).toMatchObject({
        notification: NotificationStatus.NOTIFIED,
      });
      expect(receiptsOf(await provider.send(request(Channel.NHS_APP, 'c', { notificationsEnabled: false })))[0]).toEqual({
        delayMs: 1000,
        status: DeliveryStatus.DELIVERED,
        notification: NotificationStatus.UNNOTIFIED,
      });
    });

    it('uses the documented defaults: 2 s to DELIVERED, READ 30 minutes later', async () => {
      const provider = new SimulatedProvider(Channel.NHS_APP, { readRate: 1 });
      expect(receiptsOf(await provider.send(request(Channel.NHS_APP, 'd')))).toEqual([
        { delayMs: 2000, status: DeliveryStatus.DELIVERED, notification: NotificationStatus.NOTIFIED },
        { delayMs: 2000 + 30 * 60 * 1000, status: DeliveryStatus.READ },
      ]);
    });

    it('sends no READ receipt at readRate 0, and reads roughly readRate of messages', async () => {
      const never = await sendAll(new SimulatedProvider(Channel.NHS_APP, { readRate: 0 }), Channel.NHS_APP, ids(50));
      for (const outcome of never.values()) expect(receiptsOf(outcome)).toHaveLength(1);
      const some = await sendAll(new SimulatedProvider(Channel.NHS_APP, {}), Channel.NHS_APP, ids(400));
      const read = [...some.values()].filter((o) => receiptsOf(o).some((r) => r.status === DeliveryStatus.READ)).length;
      expect(read / 400).toBeGreaterThan(0.45); // default 0.6
      expect(read / 400).toBeLessThan(0.75);
    });

    it('makes the READ receipt due before DELIVERED at outOfOrderRate 1', async () => {
      const provider = new SimulatedProvider(Channel.NHS_APP, { readRate: 1, outOfOrderRate: 1, latencyMs: 2000 });
      for (const outcome of (await sendAll(provider, Channel.NHS_APP, ids(30))).values()) {
        const receipts = receiptsOf(outcome);
        const delivered = receipts.find((r) => r.status === DeliveryStatus.DELIVERED)!;
        const read = receipts.find((r) => r.status === DeliveryStatus.READ)!;
        expect(read.delayMs).toBeLessThan(delivered.delayMs);
      }
    });

    it('keeps READ after DELIVERED at the default outOfOrderRate', async () => {
      const provider = new SimulatedProvider(Channel.NHS_APP, { readRate: 1 });
      for (const outcome of (await sendAll(provider, Channel.NHS_APP, ids(30))).values()) {
        const [delivered, read] = receiptsOf(outcome);
        expect(read.delayMs).toBeGreaterThan(delivered.delayMs);
      }
    });
  });

  it('fails roughly half of 400 attempts temporarily at temporaryFailureRate 0.5', async () => {
    const outcomes = await sendAll(
      new SimulatedProvider(Channel.SMS, { seed: 11, temporaryFailureRate: { SMS: 0.5 } }),
      Channel.SMS,
      ids(400),
    );
    const temporary = [...outcomes.values()].filter((o) => o.kind === 'temporary').length;
    expect(temporary / 400).toBeGreaterThanOrEqual(0.35);
    expect(temporary / 400).toBeLessThanOrEqual(0.65);
    expect([...outcomes.values()].every((o) => o.kind !== 'rejected')).toBe(true);
  });
});

describe('parseSimulationPlan', () => {
  it('treats unset or blank as the default plan', () => {
    expect(parseSimulationPlan(undefined)).toEqual({});
    expect(parseSimulationPlan('  ')).toEqual({});
  });

  it('accepts a valid plan', () => {
    const json = JSON.stringify({
      seed: 42,
      latencyMs: 500,
      readAfterMs: 1000,
      readRate: 0.5,
      rejectRate: { SMS: 0.1, LETTER: 0 },
      temporaryFailureRate: { EMAIL: 1 },
      unreachable: { NHS_APP: ['9434765919'] },
      outOfOrderRate: 0.25,
    });
    expect(parseSimulationPlan(json)).toEqual(JSON.parse(json));
  });

  it('throws on invalid JSON', () => {
    expect(() => parseSimulationPlan('{seed: 1')).toThrow(/SIMULATION_PLAN is not valid JSON/);
    expect(() => parseSimulationPlan('[]')).toThrow(/must be a JSON object/);
  });

  it('throws on an unknown key, naming it', () => {
    expect(() => parseSimulationPlan('{"rejectrate": {"SMS": 0.1}}')).toThrow(/unknown key "rejectrate"/);
    expect(() => parseSimulationPlan('{"rejectRate": {"FAX": 0.1}}')).toThrow(/unknown channel "FAX"/);
  });

  it('throws on a rate outside 0..1', () => {
    expect(() => parseSimulationPlan('{"readRate": 1.5}')).toThrow(/readRate must be a number between 0 and 1/);
    expect(() => parseSimulationPlan('{"rejectRate": {"SMS": 1.5}}')).toThrow(/rejectRate\.SMS/);
    expect(() => parseSimulationPlan('{"temporaryFailureRate": {"EMAIL": -0.1}}')).toThrow(/between 0 and 1/);
    expect(() => parseSimulationPlan('{"outOfOrderRate": "0.5"}')).toThrow(/between 0 and 1/);
  });

  it('throws on other malformed values', () => {
    expect(() => parseSimulationPlan('{"latencyMs": -1}')).toThrow(/latencyMs/);
    expect(() => parseSimulationPlan('{"unreachable": {"SMS": "9434765919"}}')).toThrow(/unreachable\.SMS/);
  });

  it('is also enforced when a plan is passed to the constructor', () => {
    expect(() => new SimulatedProvider(Channel.SMS, { readRate: 2 })).toThrow(/readRate/);
  });
});
