import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Message } from './Message';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../src/vocabulary/delivery';

/** One try at delivering a message on one channel; a fallback is a new attempt with the next sequence. */
// No field here is personal data or role-restricted: graphql-js reads them directly, without the per-field middleware.
@ObjectType({ simpleResolvers: true })
@Entity({ name: 'delivery_attempts' })
@Index('uq_attempts_message_sequence', ['messageId', 'sequence'], { unique: true })
@Index('idx_attempts_provider_reference', ['providerReference'])
@Index('idx_attempts_created', ['createdAt'])
export class DeliveryAttempt {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'message_id', type: 'varchar', length: 36 })
  messageId: string;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'fk_attempts_message' })
  message?: Message;

  @Field(() => Channel)
  @Column({ type: 'varchar', length: 16 })
  channel: Channel;

  @Field(() => Int)
  @Column({ type: 'int' })
  sequence: number;

  @Field(() => DeliveryStatus)
  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Field(() => FailureReason, { nullable: true })
  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason: FailureReason | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'provider_reference', type: 'varchar', length: 200, nullable: true })
  providerReference: string | null;

  @Field(() => String, { nullable: true, description: "Which of the channel's providers took this attempt." })
  @Column({ type: 'varchar', length: 100, nullable: true })
  provider: string | null;

  @Field(() => NotificationStatus, { nullable: true })
  @Column({ type: 'varchar', length: 16, nullable: true })
  notification: NotificationStatus | null;

  @Field(() => Int)
  @Column({ name: 'retry_count', type: 'int', default: 0 })
  retryCount: number;

  @Field()
  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'read_at', type: 'datetime', precision: 3, nullable: true })
  readAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'failed_at', type: 'datetime', precision: 3, nullable: true })
  failedAt: Date | null;
}
