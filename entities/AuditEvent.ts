import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditAction = 'PATIENT_DATA_READ' | 'MUTATION';

/** One entry of the append-only audit log: a read of a patient's personal data, or a mutation. */
@Entity({ name: 'audit_events' })
@Index('idx_audit_time', ['occurredAt'])
@Index('idx_audit_patient', ['nhsNumber', 'occurredAt'])
@Index('idx_audit_key', ['apiKeyId', 'occurredAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;

  @Column({ name: 'api_key_id', type: 'varchar', length: 36 })
  apiKeyId: string;

  @Column({ type: 'varchar', length: 16 })
  role: string;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  /** The GraphQL field: the mutation's name, or the query field that exposed the data. */
  @Column({ type: 'varchar', length: 64 })
  operation: string;

  @Column({ name: 'nhs_number', type: 'varchar', length: 10, nullable: true })
  nhsNumber: string | null;

  /** Which personal-data fields were read. */
  @Column({ type: 'simple-json', nullable: true })
  fields: string[] | null;

  /** OK, or the error code the mutation answered. */
  @Column({ type: 'varchar', length: 32 })
  outcome: string;

  @Column({ name: 'request_id', type: 'varchar', length: 36 })
  requestId: string;
}
