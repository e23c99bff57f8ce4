import { Authorized, Field, ID, ObjectType } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organisation } from './Organisation';
import { Patient } from './Patient';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { Channel } from '../src/vocabulary/delivery';
import { LegalBasis, MessageDirection, MessageStatus } from '../src/vocabulary/messages';

/**
 * A message in a patient's unified timeline: sent through the hub, or ingested from
 * another NHS App messaging service. Its content report is stored at send time.
 */
// Fields are read without the per-field middleware, except the personal data (simple: false), which keeps its role check and audit.
@ObjectType({ simpleResolvers: true })
@Entity({ name: 'messages' })
@Index('idx_messages_patient_time', ['nhsNumber', 'createdAt', 'id'])
@Index('idx_messages_org_time', ['organisationOdsCode', 'createdAt', 'id'])
@Index('idx_messages_status_time', ['status', 'createdAt'])
@Index('idx_messages_time', ['createdAt', 'id'])
@Index('idx_messages_updated', ['updatedAt'])
@Index('uq_messages_idempotency', ['organisationOdsCode', 'idempotencyKey'], { unique: true })
@Index('uq_messages_source_reference', ['organisationOdsCode', 'sourceReference'], { unique: true })
export class Message {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @Column({ name: 'nhs_number', type: 'varchar', length: 10 })
  nhsNumber: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_ods_code', foreignKeyConstraintName: 'fk_messages_organisation' })
  organisation?: Organisation;

  @ManyToOne(() => Patient, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'nhs_number', foreignKeyConstraintName: 'fk_messages_patient' })
  patient?: Patient;

  @Field(() => MessagingCategory)
  @Column({ type: 'varchar', length: 32 })
  category: MessagingCategory;

  @Field(() => MessageDirection)
  @Column({ type: 'varchar', length: 16 })
  direction: MessageDirection;

  @Field(() => String, { nullable: true, simple: false })
  @Authorized(Role.SENDER)
  @Column({ type: 'varchar', length: 200, nullable: true })
  subject: string | null;

  @Field({ simple: false })
  @Authorized(Role.SENDER)
  @Column({ type: 'text' })
  body: string;

  @Field(() => LegalBasis, { nullable: true })
  @Column({ name: 'legal_basis', type: 'varchar', length: 32, nullable: true })
  legalBasis: LegalBasis | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 500, nullable: true })
  purpose: string | null;

  @Field()
  @Column({ name: 'time_critical', type: 'boolean', default: false })
  timeCritical: boolean;

  @Field(() => String, { nullable: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey: string | null;

  /** SHA-256 of the normalised request, to tell a replay from a different request with the same key. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64, nullable: true })
  requestHash: string | null;

  /** The other service's own id for an ingested message. */
  @Column({ name: 'source_reference', type: 'varchar', length: 200, nullable: true })
  sourceReference: string | null;

  @Field(() => MessageStatus)
  @Column({ type: 'varchar', length: 16 })
  status: MessageStatus;

  @Field(() => ID, { nullable: true, description: 'The template the message was made from, if any.' })
  @Column({ name: 'template_id', type: 'varchar', length: 36, nullable: true })
  templateId: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'scheduled_for', type: 'datetime', precision: 3, nullable: true })
  scheduledFor: Date | null;

  @Field(() => Channel, { nullable: true })
  @Column({ name: 'delivered_channel', type: 'varchar', length: 16, nullable: true })
  deliveredChannel: Channel | null;

  @Field()
  @Column({ name: 'fallback_used', type: 'boolean', default: false })
  fallbackUsed: boolean;

  @Column({ name: 'reading_grade', type: 'double' })
  readingGrade: number;

  @Column({ name: 'word_count', type: 'int' })
  wordCount: number;

  @Column({ name: 'sms_fragments', type: 'int' })
  smsFragments: number;

  @Column({ name: 'content_warnings', type: 'simple-json' })
  contentWarnings: string[];

  /** Routing chosen at send time: fallback order, unread timeout and nudge setting. */
  @Column({ name: 'fallback_order', type: 'simple-json', nullable: true })
  fallbackOrder: Channel[] | null;

  @Column({ name: 'unread_fallback_hours', type: 'int', nullable: true })
  unreadFallbackHours: number | null;

  @Column({ name: 'notified_within_minutes', type: 'int', nullable: true })
  notifiedWithinMinutes: number | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'nudge_when_unnotified', type: 'boolean', default: false })
  nudgeWhenUnnotified: boolean;

  /** The patient's notification preference in force when the message was sent. */
  @Column({ name: 'notifications_enabled_at_send', type: 'boolean', nullable: true })
  notificationsEnabledAtSend: boolean | null;

  @Field()
  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'read_at', type: 'datetime', precision: 3, nullable: true })
  readAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'datetime', precision: 3, nullable: true })
  cancelledAt: Date | null;
}
