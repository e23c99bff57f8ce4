/** Registers the domain enums with type-graphql under the contract's names. Imported before the schema is built. */
import { registerEnumType } from 'type-graphql';
import { StatusCallbackEvent } from '../vocabulary/callbacks';
import { MetricsDimension } from '../analytics/metricsQuery';
import { MessagingCategory } from '../vocabulary/messagingCategory';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../vocabulary/delivery';
import { DeliveryEventType } from '../vocabulary/events';
import { LegalBasis, MessageDirection, MessageStatus, ReportReason } from '../vocabulary/messages';
import { OrganisationType } from '../vocabulary/organisationType';
import { ERROR_CODES } from '../shared/errors';
import { CircuitState } from '../vocabulary/providers';

const ErrorCodeEnum = Object.fromEntries(ERROR_CODES.map((code) => [code, code]));

registerEnumType(ErrorCodeEnum, { name: 'ErrorCode' });
registerEnumType(MessagingCategory, { name: 'MessagingCategory', description: 'The messaging services a patient can meet in the NHS App.' });
registerEnumType(Channel, { name: 'Channel' });
registerEnumType(DeliveryStatus, { name: 'DeliveryStatus' });
registerEnumType(NotificationStatus, { name: 'NotificationStatus' });
registerEnumType(FailureReason, { name: 'FailureReason' });
registerEnumType(MessageDirection, { name: 'MessageDirection' });
registerEnumType(MessageStatus, { name: 'MessageStatus' });
registerEnumType(LegalBasis, { name: 'LegalBasis' });
registerEnumType(ReportReason, { name: 'ReportReason' });
registerEnumType(OrganisationType, { name: 'OrganisationType' });
registerEnumType(DeliveryEventType, { name: 'DeliveryEventType' });
registerEnumType(MetricsDimension, { name: 'MetricsDimension' });
registerEnumType(StatusCallbackEvent, { name: 'StatusCallbackEvent' });
registerEnumType(CircuitState, { name: 'CircuitState' });

export { ErrorCodeEnum };
