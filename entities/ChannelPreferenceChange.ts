import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Patient } from './Patient';

export type PreferenceField = 'notificationsEnabled' | 'optedOutChannels' | 'fallbackOrder';

/**
 * One change to one of a patient's channel preferences. Rows are never updated, so the
 * table is the full history; the value in force at time T is the latest row per field
 * whose effectiveAt is at or before T.
 */
@Entity({ name: 'channel_preference_changes' })
@Index('idx_preference_changes_patient', ['nhsNumber', 'field', 'effectiveAt'])
export class ChannelPreferenceChange {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'nhs_number', type: 'varchar', length: 10 })
  nhsNumber: string;

  @ManyToOne(() => Patient, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'nhs_number', foreignKeyConstraintName: 'fk_preference_changes_patient' })
  patient?: Patient;

  @Column({ type: 'varchar', length: 32 })
  field: PreferenceField;

  /** JSON of the new value: a boolean or a list of channels. */
  @Column({ type: 'varchar', length: 200 })
  value: string;

  @Column({ name: 'requested_at', type: 'datetime', precision: 3 })
  requestedAt: Date;

  @Column({ name: 'effective_at', type: 'datetime', precision: 3 })
  effectiveAt: Date;
}
