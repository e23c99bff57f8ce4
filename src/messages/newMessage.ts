/**
 * Builds a message row: what every message needs is required, everything else starts
 * empty, and the content report is computed from the subject and body.
 */
import { Message } from '../../entities/Message';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import { newId } from '../shared/ids';
import type { MessageDirection, MessageStatus } from '../vocabulary/messages';
import { buildContentReport, type ContentReport } from './rules/contentReport';

export interface MessageEssentials {
  organisationOdsCode: string;
  nhsNumber: string;
  category: MessagingCategory;
  direction: MessageDirection;
  subject: string | null;
  body: string;
  status: MessageStatus;
  createdAt: Date;
}

/**
 * `reportOf` gives the content report for a subject and body; a batch passes one that builds
 * each distinct text's report once. The message gets its own copy of the warnings.
 */
export function newMessage(essentials: MessageEssentials, details: Partial<Message> = {}, reportOf: (subject: string | null, body: string) => ContentReport = buildContentReport): Message {
  const report = reportOf(essentials.subject, essentials.body);
  return Object.assign(new Message(), {
    id: newId(),
    legalBasis: null,
    purpose: null,
    timeCritical: false,
    idempotencyKey: null,
    requestHash: null,
    sourceReference: null,
    templateId: null,
    scheduledFor: null,
    deliveredChannel: null,
    fallbackUsed: false,
    readingGrade: report.readingGrade,
    wordCount: report.wordCount,
    smsFragments: report.smsFragments,
    contentWarnings: [...report.warnings],
    fallbackOrder: null,
    unreadFallbackHours: null,
    nudgeWhenUnnotified: false,
    notifiedWithinMinutes: null,
    expiresAt: null,
    notificationsEnabledAtSend: null,
    updatedAt: essentials.createdAt,
    deliveredAt: null,
    readAt: null,
    cancelledAt: null,
    ...essentials,
    ...details,
  });
}
