/** Every TypeORM entity the hub maps; ormconfig.ts registers this list. */
import { ApiKey } from './ApiKey';
import { CallbackDelivery } from './CallbackDelivery';
import { MessageTemplate } from './MessageTemplate';
import { StatusCallback } from './StatusCallback';
import { AuditEvent } from './AuditEvent';
import { ChannelPreferenceChange } from './ChannelPreferenceChange';
import { DeliveryAttempt } from './DeliveryAttempt';
import { DeliveryContribution } from './DeliveryContribution';
import { DeliveryRollup } from './DeliveryRollup';
import { DeliveryRollupDaily } from './DeliveryRollupDaily';
import { HubState } from './HubState';
import { HubEvent } from './HubEvent';
import { Message } from './Message';
import { MessagingCategoryRecord } from './MessagingCategoryRecord';
import { Organisation } from './Organisation';
import { OutboxItem } from './OutboxItem';
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
  OutboxItem,
  HubEvent,
  ApiKey,
  AuditEvent,
  DeliveryRollup,
  DeliveryRollupDaily,
  DeliveryContribution,
  HubState,
  MessageTemplate,
  StatusCallback,
  CallbackDelivery,
];

export { ApiKey, CallbackDelivery, MessageTemplate, StatusCallback, AuditEvent, ChannelPreferenceChange, DeliveryAttempt, DeliveryContribution, DeliveryRollup, DeliveryRollupDaily, HubState, HubEvent, Message, MessagingCategoryRecord, Organisation, OutboxItem, Patient, PatientReport };
