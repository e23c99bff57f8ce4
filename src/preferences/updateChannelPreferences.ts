/** Records a patient's preference change; the notification setting waits out the NHS App's delay. */
import { ChannelPreferenceChange, type PreferenceField } from '../../entities/ChannelPreferenceChange';
import type { Database } from '../db/database';
import { Channel } from '../vocabulary/delivery';
import type { PatientStore } from '../patients/patientStore';
import { HOUR_MS } from '../shared/durations';
import { type Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { newId } from '../shared/ids';
import type { AccessScope } from '../shared/scope';
import { uniqueChannels, validateFallbackOrder } from './fallbackOrder';
import type { PreferenceStore } from './preferenceStore';
import { type ChannelPreferencesView, preferencesAt } from './preferencesInForce';

export interface PreferenceUpdate {
  nhsNumber: string;
  notificationsEnabled?: boolean | null;
  optedOutChannels?: Channel[] | null;
  fallbackOrder?: Channel[] | null;
}

export interface PreferenceDeps {
  db: Database;
  patients: PatientStore;
  preferences: PreferenceStore;
  clock: Clock;
  preferenceDelayHours: number;
}

export async function updateChannelPreferences(deps: PreferenceDeps, update: PreferenceUpdate, scope: AccessScope): Promise<ChannelPreferencesView> {
  const optedOut = update.optedOutChannels == null ? null : uniqueChannels(update.optedOutChannels, 'optedOutChannels');
  const fallbackOrder = update.fallbackOrder == null ? null : validateFallbackOrder(update.fallbackOrder);

  return deps.db.transaction(async (manager) => {
    const patient = await deps.patients.findByNhsNumber(update.nhsNumber, scope, manager);
    if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${update.nhsNumber}`);
    const now = deps.clock.now();
    const history = await deps.preferences.changesFor([patient.nhsNumber], manager);
    const current = preferencesAt(history, now, patient.createdAt);

    const change = (field: PreferenceField, value: unknown, effectiveAt: Date) =>
      Object.assign(new ChannelPreferenceChange(), { id: newId(), nhsNumber: patient.nhsNumber, field, value: JSON.stringify(value), requestedAt: now, effectiveAt });

    const changes: ChannelPreferenceChange[] = [];
    if (update.notificationsEnabled != null && update.notificationsEnabled !== (current.pendingNotificationsEnabled ?? current.notificationsEnabled)) {
      // Back to the value in force: this only withdraws the pending change, so it applies now.
      const withdrawsPending = update.notificationsEnabled === current.notificationsEnabled;
      const effectiveAt = withdrawsPending ? now : new Date(now.getTime() + deps.preferenceDelayHours * HOUR_MS);
      changes.push(change('notificationsEnabled', update.notificationsEnabled, effectiveAt));
    }
    if (optedOut) changes.push(change('optedOutChannels', optedOut, now));
    if (fallbackOrder) changes.push(change('fallbackOrder', fallbackOrder, now));
    await deps.preferences.insert(changes, manager);
    return preferencesAt([...history, ...changes], now, patient.createdAt);
  });
}
