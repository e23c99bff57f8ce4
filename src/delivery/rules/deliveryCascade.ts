/**
 * The order in which a message tries channels. Every message starts with the NHS App; when that
 * is not possible or not read, it falls back through SMS, email and letter in the order chosen by
 * the sender's routing rule, else the patient's preference, else the hub default. A channel that
 * cannot be used is recorded as skipped with its reason, so the patient's delivery history can
 * say why a letter arrived instead of an app message. A confidential record is only ever
 * reached through the NHS App, behind NHS login: its other channels are RECIPIENT_INELIGIBLE.
 */
import { Channel, DEFAULT_FALLBACK_ORDER, FailureReason } from '../../vocabulary/delivery';

export interface CascadePatient {
  nhsAppUser: boolean;
  /** A confidential record's contact details never go to an SMS, email or letter supplier. */
  confidential?: boolean;
  /** A deceased patient is never messaged (src/delivery/rules/recipientEligibility.ts). */
  deceased?: boolean;
  mobileNumber?: string | null;
  email?: string | null;
  postalAddress?: string | null;
}

export interface CascadePreferences {
  optedOutChannels: Channel[];
  fallbackOrder: Channel[];
}

export interface CascadeInput {
  timeCritical: boolean;
  patient: CascadePatient;
  preferences: CascadePreferences | null;
  routingFallbackOrder?: Channel[] | null;
}

export interface SkippedChannel {
  channel: Channel;
  reason: FailureReason;
}

export interface CascadeStep {
  skipped: SkippedChannel[];
  /** The next channel to try, or null when none is left. */
  next: Channel | null;
}

/** The routing rule's order if it has one, else the patient's preferred order, else the default. */
export function fallbackOrderFor(input: CascadeInput): Channel[] {
  if (input.routingFallbackOrder && input.routingFallbackOrder.length > 0) return [...input.routingFallbackOrder];
  const preferred = input.preferences?.fallbackOrder;
  if (preferred && preferred.length > 0) return [...preferred];
  return [...DEFAULT_FALLBACK_ORDER];
}

/** NHS_APP first, then each fallback channel once. */
export function channelSequence(input: CascadeInput): Channel[] {
  const fallback = fallbackOrderFor(input).filter((channel) => channel !== Channel.NHS_APP);
  return [Channel.NHS_APP, ...new Set(fallback)];
}

function isOptedOut(channel: Channel, input: CascadeInput): boolean {
  return input.preferences?.optedOutChannels.includes(channel) ?? false;
}

function hasValue(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function contactDetailFor(channel: Channel, patient: CascadePatient): string | null | undefined {
  switch (channel) {
    case Channel.SMS:
      return patient.mobileNumber;
    case Channel.EMAIL:
      return patient.email;
    case Channel.LETTER:
      return patient.postalAddress;
    default:
      return null;
  }
}

/** Why a channel cannot be used for this message, or null when it can. */
export function blockReason(channel: Channel, input: CascadeInput): FailureReason | null {
  if (channel === Channel.NHS_APP) {
    // A time-critical message cannot wait to see whether the app notification is read.
    if (input.timeCritical) return FailureReason.TIME_CRITICAL;
    if (!input.patient.nhsAppUser) return FailureReason.NOT_NHS_APP_USER;
    if (isOptedOut(channel, input)) return FailureReason.CHANNEL_OPTED_OUT;
    return null;
  }
  if (input.patient.confidential) return FailureReason.RECIPIENT_INELIGIBLE;
  if (isOptedOut(channel, input)) return FailureReason.CHANNEL_OPTED_OUT;
  if (!hasValue(contactDetailFor(channel, input.patient))) return FailureReason.NO_CONTACT_DETAILS;
  return null;
}

/** The first usable channel of `channels`, with the ones passed over on the way. */
export function firstUsable(channels: readonly Channel[], input: CascadeInput): CascadeStep {
  const skipped: SkippedChannel[] = [];
  for (const channel of channels) {
    const reason = blockReason(channel, input);
    if (reason === null) return { skipped, next: channel };
    skipped.push({ channel, reason });
  }
  return { skipped, next: null };
}

/** The first usable channel, with the channels passed over on the way. */
export function firstStep(input: CascadeInput): CascadeStep {
  return firstUsable(channelSequence(input), input);
}

/**
 * The next usable channel after `channel` has failed. A channel that is not in the sequence
 * has nothing after it.
 */
export function stepAfter(channel: Channel, input: CascadeInput): CascadeStep {
  const sequence = channelSequence(input);
  const position = sequence.indexOf(channel);
  if (position === -1) return { skipped: [], next: null };
  return firstUsable(sequence.slice(position + 1), input);
}
