/** The messaging services a patient can meet in the NHS App, with what each supports. */
import { MessagingCategory } from '../vocabulary/messagingCategory';
import { MessageDirection } from '../vocabulary/messages';

export interface MessagingCategoryDescriptor {
  category: MessagingCategory;
  name: string;
  description: string;
  directions: MessageDirection[];
  supportsFallback: boolean;
  supportsReplies: boolean;
  sendsNotifications: boolean;
}

/** Reference data; the migration stores these rows and the seed keeps them current. */
export const MESSAGING_CATEGORY_DESCRIPTORS: readonly MessagingCategoryDescriptor[] = [
  {
    category: MessagingCategory.NHS_APP_MESSAGING,
    name: 'NHS App messaging',
    description:
      'Messages from NHS services to the patient\'s NHS App inbox, sent through the NHS App messaging service, with push notifications and automatic fallback to SMS, email or letter.',
    directions: [MessageDirection.OUTBOUND],
    supportsFallback: true,
    supportsReplies: false,
    sendsNotifications: true,
  },
  {
    category: MessagingCategory.IM1_PFS,
    name: 'GP surgery messaging (IM1 PFS)',
    description:
      'Two-way messages between a patient and their GP surgery through the GP clinical system\'s patient facing services (IM1 PFS) interface.',
    directions: [MessageDirection.OUTBOUND, MessageDirection.INBOUND],
    supportsFallback: false,
    supportsReplies: true,
    sendsNotifications: true,
  },
  {
    category: MessagingCategory.ONLINE_CONSULTATION,
    name: 'Online consultation',
    description:
      'Messages within an online consultation that the patient started with their GP surgery through an online consultation supplier.',
    directions: [MessageDirection.OUTBOUND, MessageDirection.INBOUND],
    supportsFallback: false,
    supportsReplies: true,
    sendsNotifications: false,
  },
  {
    category: MessagingCategory.PHR,
    name: 'Personal health record (PHR)',
    description:
      'Messages and letters held in a personal health record service, such as hospital appointment letters, shown in the NHS App.',
    directions: [MessageDirection.OUTBOUND],
    supportsFallback: false,
    supportsReplies: false,
    sendsNotifications: true,
  },
];
