import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organisation } from './Organisation';
import type { StatusCallbackEvent } from '../src/vocabulary/callbacks';

/**
 * A sender system's URL that the hub POSTs status changes to. The signing secret is kept
 * encrypted (it must be usable to sign, so it cannot be hashed) and shown only once.
 */
@Entity({ name: 'status_callbacks' })
@Index('idx_status_callbacks_org', ['organisationOdsCode', 'disabledAt'])
export class StatusCallback {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_ods_code', foreignKeyConstraintName: 'fk_status_callbacks_organisation' })
  organisation?: Organisation;

  @Column({ type: 'varchar', length: 2000 })
  url: string;

  @Column({ type: 'simple-json' })
  events: StatusCallbackEvent[];

  /** AES-256-GCM sealed secret: iv, tag and ciphertext, base64url, dot-separated. */
  @Column({ name: 'sealed_secret', type: 'varchar', length: 200 })
  sealedSecret: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  /** Nothing is sent to it before this time: the receiver asked for a pause with Retry-After. */
  @Column({ name: 'paused_until', type: 'datetime', precision: 3, nullable: true })
  pausedUntil: Date | null;

  @Column({ name: 'disabled_at', type: 'datetime', precision: 3, nullable: true })
  disabledAt: Date | null;

  /** Why the hub stopped calling: DELETED or GONE (the receiver answered 410). */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 16, nullable: true })
  disabledReason: string | null;
}
