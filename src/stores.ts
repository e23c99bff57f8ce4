/** The stores every use case and resolver reaches the database through: the only places with SQL. */
import type { Database } from './db/database';
import { ApiKeyStore } from './auth/apiKeyStore';
import { AuditStore } from './audit/auditStore';
import { CategoryStore } from './categories/categoryStore';
import { DeliveryAttemptStore } from './delivery/deliveryAttemptStore';
import { EventStore } from './events/eventStore';
import { MessageStore } from './messages/messageStore';
import { MetricsStore } from './analytics/metricsStore';
import { OrganisationStore } from './organisations/organisationStore';
import { OutboxStore } from './delivery/outboxStore';
import { PatientReportStore } from './messages/patientReportStore';
import { PatientStore } from './patients/patientStore';
import { PreferenceStore } from './preferences/preferenceStore';
import { RollupStore } from './analytics/rollupStore';
import { TemplateStore } from './templates/templateStore';
import { CallbackStore } from './callbacks/callbackStore';

export interface Stores {
  organisations: OrganisationStore;
  patients: PatientStore;
  preferences: PreferenceStore;
  messages: MessageStore;
  attempts: DeliveryAttemptStore;
  reports: PatientReportStore;
  categories: CategoryStore;
  outbox: OutboxStore;
  apiKeys: ApiKeyStore;
  audit: AuditStore;
  events: EventStore;
  rollups: RollupStore;
  metrics: MetricsStore;
  templates: TemplateStore;
  callbacks: CallbackStore;
}

export function createStores(db: Database): Stores {
  return {
    organisations: new OrganisationStore(db),
    patients: new PatientStore(db),
    preferences: new PreferenceStore(db),
    messages: new MessageStore(db),
    attempts: new DeliveryAttemptStore(db),
    reports: new PatientReportStore(db),
    categories: new CategoryStore(db),
    outbox: new OutboxStore(db),
    apiKeys: new ApiKeyStore(db),
    audit: new AuditStore(db),
    events: new EventStore(db),
    rollups: new RollupStore(db),
    metrics: new MetricsStore(db),
    templates: new TemplateStore(db),
    callbacks: new CallbackStore(db),
  };
}
