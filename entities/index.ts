/** Every TypeORM entity the hub maps; ormconfig.ts registers this list. */
import { ChannelPreferenceChange } from './ChannelPreferenceChange';
import { DeliveryAttempt } from './DeliveryAttempt';
import { Message } from './Message';
import { MessagingCategoryRecord } from './MessagingCategoryRecord';
import { Organisation } from './Organisation';
import { Patient } from './Patient';
import { PatientReport } from './PatientReport';

export const ENTITIES = [
  Organisation,
  Patient,
  ChannelPreferenceChange,
  MessagingCategoryRecord,
  Message,
  DeliveryAttempt,
  PatientReport,
];

export { ChannelPreferenceChange, DeliveryAttempt, Message, MessagingCategoryRecord, Organisation, Patient, PatientReport };
