import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Message } from './Message';
import { ReportReason } from '../src/vocabulary/messages';

/** A patient's report that a message was unwanted, inappropriate or not for them. */
@ObjectType()
@Entity({ name: 'patient_reports' })
@Index('idx_reports_message', ['messageId'])
export class PatientReport {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'message_id', type: 'varchar', length: 36 })
  messageId: string;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'fk_reports_message' })
  message?: Message;

  @Field(() => ReportReason)
  @Column({ type: 'varchar', length: 16 })
  reason: ReportReason;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  comment: string | null;

  @Field()
  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
