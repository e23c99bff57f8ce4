/** Every resolver class the schema is built from. */
import { AnalyticsResolver } from './AnalyticsResolver';
import { ApiKeyResolver } from './ApiKeyResolver';
import { AuditResolver } from './AuditResolver';
import { CategoryResolver } from './CategoryResolver';
import { DeliveryAttemptResolver } from './DeliveryAttemptResolver';
import { DeliveryReceiptResolver } from './DeliveryReceiptResolver';
import { EventsResolver } from './EventsResolver';
import { MessageResolver } from './MessageResolver';
import { OrganisationResolver } from './OrganisationResolver';
import { PatientReportResolver } from './PatientReportResolver';
import { PatientResolver } from './PatientResolver';
import { PreferencesResolver } from './PreferencesResolver';
import { ProviderHealthResolver } from './ProviderHealthResolver';
import { SendMessageResolver } from './SendMessageResolver';
import { StatusCallbackResolver } from './StatusCallbackResolver';
import { MessageTemplateConnectionResolver, TemplateResolver } from './TemplateResolver';
import { MessageConnectionResolver, PatientConnectionResolver } from './types/connections';

export const RESOLVERS = [
  OrganisationResolver,
  PatientResolver,
  PreferencesResolver,
  MessageResolver,
  SendMessageResolver,
  DeliveryReceiptResolver,
  DeliveryAttemptResolver,
  PatientReportResolver,
  CategoryResolver,
  AuditResolver,
  ApiKeyResolver,
  AnalyticsResolver,
  EventsResolver,
  MessageConnectionResolver,
  PatientConnectionResolver,
  TemplateResolver,
  MessageTemplateConnectionResolver,
  StatusCallbackResolver,
  ProviderHealthResolver,
] as const;
