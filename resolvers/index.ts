/** Every resolver class the schema is built from. */
import { CategoryResolver } from './CategoryResolver';
import { DeliveryAttemptResolver } from './DeliveryAttemptResolver';
import { DeliveryReceiptResolver } from './DeliveryReceiptResolver';
import { MessageResolver } from './MessageResolver';
import { OrganisationResolver } from './OrganisationResolver';
import { PatientReportResolver } from './PatientReportResolver';
import { PatientResolver } from './PatientResolver';
import { PreferencesResolver } from './PreferencesResolver';
import { SendMessageResolver } from './SendMessageResolver';
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
  MessageConnectionResolver,
  PatientConnectionResolver,
] as const;
