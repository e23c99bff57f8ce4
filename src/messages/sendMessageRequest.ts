/** What a sender asks for when sending one message (the GraphQL SendMessageInput). */
import type { Channel } from '../vocabulary/delivery';
import type { LegalBasis } from '../vocabulary/messages';
import type { MessagingCategory } from '../vocabulary/messagingCategory';

export interface SendMessageRequest {
  nhsNumber: string;
  organisationOdsCode: string;
  category: MessagingCategory;
  subject?: string | null;
  body: string;
  legalBasis?: LegalBasis | null;
  purpose?: string | null;
  timeCritical?: boolean | null;
  idempotencyKey?: string | null;
  routing?: { fallbackOrder?: Channel[] | null; unreadFallbackHours?: number | null; nudgeWhenUnnotified?: boolean | null; notifiedWithinMinutes?: number | null } | null;
  /** Never deliver after this time. */
  expiresAt?: Date | null;
  /** The template the subject and body were rendered from. */
  templateId?: string | null;
}
