/**
 * One typed deps object per use case, built once per hub from its configuration, stores
 * and services, and frozen: nothing changes them after the hub is made.
 */
import type { HubConfig } from './config';
import type { Database } from './db/database';
import type { DispatchDeps } from './delivery/dispatchAttempt';
import type { ChannelProviders } from './delivery/providers/providerRegistry';
import type { ReceiptDeps } from './delivery/recordReceipt';
import type { EventSequencer } from './events/eventSequencer';
import type { Stores } from './stores';
import type { IngestDeps } from './messages/ingestMessage';
import type { MessageActionDeps, ReportDeps } from './messages/messageActions';
import type { SendDeps } from './messages/sendMessage';
import type { SendFromTemplateDeps } from './templates/sendFromTemplate';
import type { OrganisationDeps } from './organisations/upsertOrganisation';
import type { PatientDeps } from './patients/upsertPatient';
import type { PreferenceDeps } from './preferences/updateChannelPreferences';
import type { Clock } from './shared/clock';
import type { HubLogger } from './shared/logger';

export interface UseCases {
  /** sendMessage and sendMessages. */
  readonly send: SendDeps;
  /** sendFromTemplate: the batch send path plus the templates. */
  readonly sendFromTemplate: SendFromTemplateDeps;
  /** The dispatcher: provider calls, unread timeouts and simulated receipts. */
  readonly dispatch: DispatchDeps;
  /** recordDeliveryReceipt (GraphQL and the webhook). */
  readonly receipts: ReceiptDeps;
  /** cancelMessage and markMessageRead. */
  readonly messageActions: MessageActionDeps;
  readonly reports: ReportDeps;
  readonly ingest: IngestDeps;
  readonly patients: PatientDeps;
  readonly organisations: OrganisationDeps;
  readonly preferences: PreferenceDeps;
}

export interface UseCaseParts {
  config: HubConfig;
  db: Database;
  sequencer: EventSequencer;
  logger: HubLogger;
  clock: Clock;
  stores: Stores;
  providers: ChannelProviders;
}

/** The deps that depend on nothing but the parts: the dispatcher is made from `dispatch` before the rest. */
export function dispatchDeps({ config, db, sequencer, logger, clock, stores, providers }: UseCaseParts): DispatchDeps {
  return Object.freeze({
    db,
    sequencer,
    logger,
    clock,
    stores,
    providers,
    quietHours: config.quietHours,
    unreadFallbackHours: config.unreadFallbackHours,
    retryBaseMs: config.retryBaseMs,
    maxProviderRetries: config.maxProviderRetries,
  });
}

export function buildUseCases(parts: UseCaseParts, dispatch: DispatchDeps, hooks: Pick<SendDeps, 'onQueued' | 'observeSend'>): UseCases {
  const { config, db, sequencer, logger, clock, stores } = parts;
  const delivery = { db, sequencer, logger, clock, stores, quietHours: config.quietHours, unreadFallbackHours: config.unreadFallbackHours };
  const send: SendDeps = Object.freeze({ ...delivery, organisations: stores.organisations, reports: stores.reports, maxMessagesPerPatientPerDay: config.maxMessagesPerPatientPerDay, reportCoolingOffDays: config.reportCoolingOffDays, ...hooks });
  return Object.freeze({
    send,
    sendFromTemplate: Object.freeze({ ...send, templates: stores.templates }),
    dispatch,
    receipts: Object.freeze({ ...delivery }),
    messageActions: Object.freeze({ ...delivery }),
    reports: Object.freeze({ db, sequencer, logger, clock, stores: { messages: stores.messages, reports: stores.reports } }),
    ingest: Object.freeze({ db, clock, messages: stores.messages, patients: stores.patients, organisations: stores.organisations }),
    patients: Object.freeze({ db, clock, patients: stores.patients, organisations: stores.organisations }),
    organisations: Object.freeze({ db, clock, organisations: stores.organisations }),
    preferences: Object.freeze({ db, clock, patients: stores.patients, preferences: stores.preferences, preferenceDelayHours: config.preferenceDelayHours }),
  });
}
