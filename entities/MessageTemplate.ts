import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organisation } from './Organisation';
import type { MessagingCategory } from '../src/vocabulary/messagingCategory';
import type { LegalBasis } from '../src/vocabulary/messages';

/**
 * A reusable message owned by one organisation. Its subject and body may hold ((placeholder))
 * fields, filled per recipient when it is sent. Sent messages keep their own rendered copy,
 * so editing a template never changes what was sent.
 */
@Entity({ name: 'message_templates' })
@Index('idx_message_templates_org', ['organisationOdsCode', 'createdAt', 'id'])
export class MessageTemplate {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_ods_code', foreignKeyConstraintName: 'fk_message_templates_organisation' })
  organisation?: Organisation;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  category: MessagingCategory;

  @Column({ type: 'varchar', length: 200, nullable: true })
  subject: string | null;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'legal_basis', type: 'varchar', length: 32 })
  legalBasis: LegalBasis;

  @Column({ type: 'varchar', length: 500 })
  purpose: string;

  @Column({ name: 'archived_at', type: 'datetime', precision: 3, nullable: true })
  archivedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
