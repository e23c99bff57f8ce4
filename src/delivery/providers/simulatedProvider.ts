/**
 * A deterministic simulated supplier: the default provider for every channel.
 *
 * Every random decision is a pure function of (seed, attempt id, decision name) — plus, for
 * temporary failures, how many times this provider instance has already been sent that attempt
 * id — hashed with SHA-256 into a number in [0, 1). The same plan and the same attempt ids
 * therefore give the same outcomes whatever order the attempts are sent in.
 *
 * `send` never sleeps: receipts are returned as `scheduledReceipts` with delays, and the hub
 * stores them as due times.
 */
import { createHash } from 'crypto';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../../vocabulary/delivery';
import { type ChannelProvider, type ProviderOutcome, type ProviderRequest, type ScheduledReceipt, wrongChannelOutcome } from './channelProvider';
import { normaliseNhsNumber } from '../../patients/nhsNumber';

export interface SimulationPlan {
  seed?: number;
  /** Delay before the DELIVERED receipt. Default 2000 ms. */
  latencyMs?: number;
  /** NHS_APP: delay after DELIVERED before the READ receipt. Default 30 minutes. */
  readAfterMs?: number;
  /** 0..1, share of NHS_APP messages the patient reads. Default 0.6. */
  readRate?: number;
  /** 0..1 per channel: permanent failures. Default 0. */
  rejectRate?: Partial<Record<Channel, number>>;
  /** 0..1 per channel: temporary failures, rolled afresh on every send of an attempt. Default 0. */
  temporaryFailureRate?: Partial<Record<Channel, number>>;
  /** NHS numbers this channel cannot reach: always rejected. */
  unreachable?: Partial<Record<Channel, string[]>>;
  /** 0..1, share of NHS_APP reads whose READ receipt is due before the DELIVERED receipt. Default 0. */
  outOfOrderRate?: number;
}

export const DEFAULT_LATENCY_MS = 2000;
export const DEFAULT_READ_AFTER_MS = 30 * 60 * 1000;
export const DEFAULT_READ_RATE = 0.6;
export const DEFAULT_OUT_OF_ORDER_RATE = 0;
/** Letters are delivered two days after acceptance, whatever latencyMs says. */
export const LETTER_DELIVERY_MS = 48 * 60 * 60 * 1000;

const PLAN_KEYS = new Set([
  'seed',
  'latencyMs',
  'readAfterMs',
  'readRate',
  'rejectRate',
  'temporaryFailureRate',
  'unreachable',
  'outOfOrderRate',
]);
const CHANNELS = new Set<string>(Object.values(Channel));

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRate(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`SIMULATION_PLAN: ${where} must be a number between 0 and 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkDuration(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`SIMULATION_PLAN: ${where} must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkChannelMap(value: unknown, where: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Error(`SIMULATION_PLAN: ${where} must be an object keyed by channel`);
  for (const key of Object.keys(value)) {
    if (!CHANNELS.has(key)) {
      throw new Error(`SIMULATION_PLAN: ${where} has unknown channel "${key}" (expected ${[...CHANNELS].join(', ')})`);
    }
  }
  return value;
}

/** Checks a plan given as data (from JSON or code); returns a copy holding only the given keys. */
export function validateSimulationPlan(value: unknown): SimulationPlan {
  if (!isPlainObject(value)) throw new Error('SIMULATION_PLAN must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!PLAN_KEYS.has(key)) {
      throw new Error(`SIMULATION_PLAN: unknown key "${key}" (expected one of ${[...PLAN_KEYS].join(', ')})`);
    }
  }
  const plan: SimulationPlan = {};
  if (value.seed !== undefined) {
    if (typeof value.seed !== 'number' || !Number.isFinite(value.seed)) {
      throw new Error(`SIMULATION_PLAN: seed must be a finite number, got ${JSON.stringify(value.seed)}`);
    }
    plan.seed = value.seed;
  }
  if (value.latencyMs !== undefined) plan.latencyMs = checkDuration(value.latencyMs, 'latencyMs');
  if (value.readAfterMs !== undefined) plan.readAfterMs = checkDuration(value.readAfterMs, 'readAfterMs');
  if (value.readRate !== undefined) plan.readRate = checkRate(value.readRate, 'readRate');
  if (value.outOfOrderRate !== undefined) plan.outOfOrderRate = checkRate(value.outOfOrderRate, 'outOfOrderRate');
  for (const key of ['rejectRate', 'temporaryFailureRate'] as const) {
    if (value[key] === undefined) continue;
    const map = checkChannelMap(value[key], key);
    const rates: Partial<Record<Channel, number>> = {};
    for (const [channel, rate] of Object.entries(map)) rates[channel as Channel] = checkRate(rate, `${key}.${channel}`);
    plan[key] = rates;
  }
  if (value.unreachable !== undefined) {
    const map = checkChannelMap(value.unreachable, 'unreachable');
    const unreachable: Partial<Record<Channel, string[]>> = {};
    for (const [channel, list] of Object.entries(map)) {
      if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
        throw new Error(`SIMULATION_PLAN: unreachable.${channel} must be an array of NHS number strings`);
      }
      unreachable[channel as Channel] = [...(list as string[])];
    }
    plan.unreachable = unreachable;
  }
  return plan;
}

/** Parses the SIMULATION_PLAN environment variable; unset or blank means the default plan. */
export function parseSimulationPlan(json: string | undefined): SimulationPlan {
  if (json === undefined || json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`SIMULATION_PLAN is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return validateSimulationPlan(value);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class SimulatedProvider implements ChannelProvider {
  readonly name: string;
  private readonly plan: SimulationPlan;
  private readonly seed: number;
  private readonly unreachable: ReadonlySet<string>;
  /** attemptId → how many times it has been sent to this instance (dropped once it is final). */
  private readonly sendCounts = new Map<string, number>();

  constructor(
    private readonly channel: Channel,
    plan: SimulationPlan = {},
  ) {
    this.plan = validateSimulationPlan(plan);
    this.seed = this.plan.seed ?? 0;
    this.unreachable = new Set((this.plan.unreachable?.[channel] ?? []).map(normaliseNhsNumber));
    this.name = `simulated:${channel}`;
  }

  async send(request: ProviderRequest): Promise<ProviderOutcome> {
    const wrongChannel = wrongChannelOutcome(this, this.channel, request);
    if (wrongChannel) return wrongChannel;
    const previousSends = this.sendCounts.get(request.attemptId) ?? 0;
    const outcome = this.decide(request, previousSends);
    if (outcome.kind === 'temporary') this.sendCounts.set(request.attemptId, previousSends + 1);
    else this.sendCounts.delete(request.attemptId);
    return outcome;
  }

  /** A number in [0, 1) that depends only on the seed, the attempt id and the decision. */
  private roll(attemptId: string, decision: string): number {
    const digest = sha256(`${this.seed}\u0000${attemptId}\u0000${decision}`);
    return digest.readUIntBE(0, 6) / 2 ** 48;
  }

  private decide(request: ProviderRequest, previousSends: number): ProviderOutcome {
    const { attemptId } = request;
    const rejectionReason =
      this.channel === Channel.NHS_APP ? FailureReason.RECIPIENT_INELIGIBLE : FailureReason.INVALID_CONTACT_DETAILS;

    if (this.unreachable.has(normaliseNhsNumber(request.nhsNumber))) {
      return { kind: 'rejected', reason: rejectionReason, detail: `simulated: ${this.channel} cannot reach this patient` };
    }
    const rejectRate = this.plan.rejectRate?.[this.channel] ?? 0;
    if (this.roll(attemptId, 'reject') < rejectRate) {
      return { kind: 'rejected', reason: rejectionReason, detail: `simulated: ${this.channel} rejected the attempt` };
    }
    const temporaryRate = this.plan.temporaryFailureRate?.[this.channel] ?? 0;
    if (this.roll(attemptId, `temporary:${previousSends}`) < temporaryRate) {
      return { kind: 'temporary', detail: `simulated: ${this.channel} temporarily unavailable (send ${previousSends + 1})` };
    }
    return {
      kind: 'accepted',
      providerReference: `sim-${this.channel.toLowerCase()}-${sha256(attemptId).toString('hex').slice(0, 12)}`,
      scheduledReceipts: this.receipts(request),
    };
  }

  private receipts(request: ProviderRequest): ScheduledReceipt[] {
    const latencyMs = this.plan.latencyMs ?? DEFAULT_LATENCY_MS;
    switch (this.channel) {
      case Channel.NHS_APP: {
        const delivered: ScheduledReceipt = {
          delayMs: latencyMs,
          status: DeliveryStatus.DELIVERED,
          notification: request.notificationsEnabled !== false ? NotificationStatus.NOTIFIED : NotificationStatus.UNNOTIFIED,
        };
        const readRate = this.plan.readRate ?? DEFAULT_READ_RATE;
        if (!(this.roll(request.attemptId, 'read') < readRate)) return [delivered];
        const outOfOrderRate = this.plan.outOfOrderRate ?? DEFAULT_OUT_OF_ORDER_RATE;
        const readDelay =
          this.roll(request.attemptId, 'outOfOrder') < outOfOrderRate
            ? Math.floor(latencyMs / 2)
            : latencyMs + (this.plan.readAfterMs ?? DEFAULT_READ_AFTER_MS);
        return [delivered, { delayMs: readDelay, status: DeliveryStatus.READ }];
      }
      case Channel.SMS:
      case Channel.EMAIL:
        return [{ delayMs: latencyMs, status: DeliveryStatus.DELIVERED }];
      case Channel.LETTER:
        return [{ delayMs: LETTER_DELIVERY_MS, status: DeliveryStatus.DELIVERED }];
    }
  }
}
