/**
 * Composes one hub instance: configuration, clock, database and the stores every use
 * case and resolver reach through. Created once per process (or per test).
 */
import type { Logger } from 'typeorm';
import { CategoryStore } from './categories/categoryStore';
import type { HubConfig } from './config';
import { type Database, openDatabase } from './db/database';
import { DeliveryAttemptStore } from './delivery/deliveryAttemptStore';
import { MessageStore } from './messages/messageStore';
import { PatientReportStore } from './messages/patientReportStore';
import { OrganisationStore } from './organisations/organisationStore';
import { PatientStore } from './patients/patientStore';
import { PreferenceStore } from './preferences/preferenceStore';
import { type Clock, systemClock } from './shared/clock';

export interface Stores {
  organisations: OrganisationStore;
  patients: PatientStore;
  preferences: PreferenceStore;
  messages: MessageStore;
  attempts: DeliveryAttemptStore;
  reports: PatientReportStore;
  categories: CategoryStore;
}

export interface Hub {
  config: HubConfig;
  clock: Clock;
  db: Database;
  stores: Stores;
  close(): Promise<void>;
}

export async function createHub(config: HubConfig, options: { clock?: Clock; sqlLogger?: Logger } = {}): Promise<Hub> {
  const db = await openDatabase(config.databaseUrl, { logger: options.sqlLogger });
  const stores: Stores = {
    organisations: new OrganisationStore(db),
    patients: new PatientStore(db),
    preferences: new PreferenceStore(db),
    messages: new MessageStore(db),
    attempts: new DeliveryAttemptStore(db),
    reports: new PatientReportStore(db),
    categories: new CategoryStore(db),
  };
  return { config, clock: options.clock ?? systemClock, db, stores, close: () => db.close() };
}
