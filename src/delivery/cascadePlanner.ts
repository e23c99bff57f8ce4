/**
 * Applies the cascade rules to a stored message: the patient's contact details, the
 * preferences in force now, the routing chosen at send time, and whether the message's
 * category supports fallback at all (only NHS App messaging does).
 */
import type { Message } from '../../entities/Message';
import type { Patient } from '../../entities/Patient';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../categories/messagingCategory';
import type { ChannelPreferencesView } from '../preferences/preferencesInForce';
import { Channel } from '../vocabulary/delivery';
import { type CascadeInput, type CascadeStep, firstStep, stepAfter } from './rules/deliveryCascade';

export function cascadeInputFor(message: Pick<Message, 'timeCritical' | 'fallbackOrder'>, patient: Patient, preferences: ChannelPreferencesView): CascadeInput {
  return {
    timeCritical: message.timeCritical,
    patient,
    preferences: { optedOutChannels: preferences.optedOutChannels, fallbackOrder: preferences.fallbackOrder },
    routingFallbackOrder: message.fallbackOrder,
  };
}

function supportsFallback(message: Pick<Message, 'category'>): boolean {
  return MESSAGING_CATEGORY_DESCRIPTORS.find((d) => d.category === message.category)?.supportsFallback ?? false;
}

/** Without fallback support only the NHS App is tried. */
function appOnly(step: CascadeStep): CascadeStep {
  return {
    skipped: step.skipped.filter((s) => s.channel === Channel.NHS_APP),
    next: step.next === Channel.NHS_APP ? Channel.NHS_APP : null,
  };
}

export function planFirst(message: Pick<Message, 'timeCritical' | 'fallbackOrder' | 'category'>, patient: Patient, preferences: ChannelPreferencesView): CascadeStep {
  const step = firstStep(cascadeInputFor(message, patient, preferences));
  return supportsFallback(message) ? step : appOnly(step);
}

export function planAfter(channel: Channel, message: Message, patient: Patient, preferences: ChannelPreferencesView): CascadeStep {
  if (!supportsFallback(message)) return { skipped: [], next: null };
  return stepAfter(channel, cascadeInputFor(message, patient, preferences));
}
