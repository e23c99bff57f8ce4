/**
 * Works out a patient's channel preferences at an instant from the change history.
 * A notification change takes effect PREFERENCE_DELAY_HOURS after it was asked for
 * (the NHS App needs up to 24 hours); until then the old value stays in force and the
 * new one is shown as pending. A newer request supersedes one still pending, so turning
 * notifications off and back on within the delay leaves them on throughout. Opt-outs and
 * fallback order apply at once.
 */
import type { ChannelPreferenceChange, PreferenceField } from '../../entities/ChannelPreferenceChange';
import { Channel, DEFAULT_FALLBACK_ORDER } from '../vocabulary/delivery';

export interface ChannelPreferencesView {
  notificationsEnabled: boolean;
  pendingNotificationsEnabled: boolean | null;
  pendingEffectiveAt: Date | null;
  optedOutChannels: Channel[];
  fallbackOrder: Channel[];
  updatedAt: Date;
}

export const DEFAULT_NOTIFICATIONS_ENABLED = true;

/** A change is superseded when a newer request for the same field came before it took effect. */
function isSuperseded(change: ChannelPreferenceChange, changes: ChannelPreferenceChange[], at: Date): boolean {
  return changes.some(
    (other) =>
      other.field === change.field &&
      other.requestedAt.getTime() > change.requestedAt.getTime() &&
      other.requestedAt.getTime() < change.effectiveAt.getTime() &&
      other.requestedAt.getTime() <= at.getTime(),
  );
}

function latestInForce(changes: ChannelPreferenceChange[], field: PreferenceField, at: Date): ChannelPreferenceChange | undefined {
  let latest: ChannelPreferenceChange | undefined;
  for (const change of changes) {
    if (change.field !== field || change.effectiveAt.getTime() > at.getTime() || isSuperseded(change, changes, at)) continue;
    if (!latest || isLater(change, latest)) latest = change;
  }
  return latest;
}

function isLater(a: ChannelPreferenceChange, b: ChannelPreferenceChange): boolean {
  const byEffect = a.effectiveAt.getTime() - b.effectiveAt.getTime();
  return byEffect !== 0 ? byEffect > 0 : a.requestedAt.getTime() > b.requestedAt.getTime();
}

export function preferencesAt(changes: ChannelPreferenceChange[], at: Date, since: Date): ChannelPreferencesView {
  const notifications = latestInForce(changes, 'notificationsEnabled', at);
  const optedOut = latestInForce(changes, 'optedOutChannels', at);
  const fallback = latestInForce(changes, 'fallbackOrder', at);

  let pending: ChannelPreferenceChange | undefined;
  for (const change of changes) {
    if (change.field !== 'notificationsEnabled' || change.effectiveAt.getTime() <= at.getTime() || change.requestedAt.getTime() > at.getTime()) continue;
    if (isSuperseded(change, changes, at)) continue;
    if (!pending || isLater(change, pending)) pending = change;
  }

  const requested = changes.filter((c) => c.requestedAt.getTime() <= at.getTime()).map((c) => c.requestedAt.getTime());
  return {
    notificationsEnabled: notifications ? (JSON.parse(notifications.value) as boolean) : DEFAULT_NOTIFICATIONS_ENABLED,
    pendingNotificationsEnabled: pending ? (JSON.parse(pending.value) as boolean) : null,
    pendingEffectiveAt: pending ? pending.effectiveAt : null,
    optedOutChannels: optedOut ? (JSON.parse(optedOut.value) as Channel[]) : [],
    fallbackOrder: fallback ? (JSON.parse(fallback.value) as Channel[]) : [...DEFAULT_FALLBACK_ORDER],
    updatedAt: requested.length > 0 ? new Date(Math.max(...requested)) : since,
  };
}
