/** Delivery vocabulary shared by routing, dispatch, receipts and metrics (values match the GraphQL enums). */
export enum Channel {
  NHS_APP = 'NHS_APP',
  SMS = 'SMS',
  EMAIL = 'EMAIL',
  LETTER = 'LETTER',
}

export enum DeliveryStatus {
  PENDING = 'PENDING',
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}

export enum NotificationStatus {
  NOT_ATTEMPTED = 'NOT_ATTEMPTED',
  NOTIFIED = 'NOTIFIED',
  UNNOTIFIED = 'UNNOTIFIED',
}

export enum FailureReason {
  NOT_NHS_APP_USER = 'NOT_NHS_APP_USER',
  UNNOTIFIED = 'UNNOTIFIED',
  RECIPIENT_INELIGIBLE = 'RECIPIENT_INELIGIBLE',
  NO_CONTACT_DETAILS = 'NO_CONTACT_DETAILS',
  CHANNEL_OPTED_OUT = 'CHANNEL_OPTED_OUT',
  TIME_CRITICAL = 'TIME_CRITICAL',
  PROVIDER_REJECTED = 'PROVIDER_REJECTED',
  PROVIDER_ERROR = 'PROVIDER_ERROR',
  DELIVERY_TIMEOUT = 'DELIVERY_TIMEOUT',
  UNREAD_TIMEOUT = 'UNREAD_TIMEOUT',
  INVALID_CONTACT_DETAILS = 'INVALID_CONTACT_DETAILS',
  EXPIRED = 'EXPIRED',
}

/** Fallback order when neither the request nor the patient's preferences give one. */
export const DEFAULT_FALLBACK_ORDER: readonly Channel[] = [Channel.SMS, Channel.EMAIL, Channel.LETTER];
