/** Message vocabulary (values match the GraphQL enums of the contract). */
export enum MessageStatus {
  QUEUED = 'QUEUED',
  SENDING = 'SENDING',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  /** Not delivered before its expiresAt; nothing more will be sent. */
  EXPIRED = 'EXPIRED',
}

export enum MessageDirection {
  OUTBOUND = 'OUTBOUND',
  INBOUND = 'INBOUND',
}

export enum LegalBasis {
  DIRECT_CARE = 'DIRECT_CARE',
  CONSENT = 'CONSENT',
  LEGAL_OBLIGATION = 'LEGAL_OBLIGATION',
  PUBLIC_TASK = 'PUBLIC_TASK',
  VITAL_INTERESTS = 'VITAL_INTERESTS',
}

export enum ReportReason {
  INAPPROPRIATE = 'INAPPROPRIATE',
  UNWANTED = 'UNWANTED',
  NOT_FOR_ME = 'NOT_FOR_ME',
  TOO_MANY = 'TOO_MANY',
  OTHER = 'OTHER',
}
