import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { MessageDirection } from '../src/vocabulary/messages';

/** The stored descriptor of one messaging category (reference data kept by migrations and the seed). */
@Entity({ name: 'messaging_categories' })
export class MessagingCategoryRecord {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  category: MessagingCategory;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 1000 })
  description: string;

  @Column({ type: 'simple-json' })
  directions: MessageDirection[];

  @Column({ name: 'supports_fallback', type: 'boolean' })
  supportsFallback: boolean;

  @Column({ name: 'supports_replies', type: 'boolean' })
  supportsReplies: boolean;

  @Column({ name: 'sends_notifications', type: 'boolean' })
  sendsNotifications: boolean;
}
