import { Authorized, Field, ObjectType } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organisation } from './Organisation';
import { NhsNumber } from '../src/vocabulary/nhsNumber';

/** A patient, keyed by NHS number, with the contact details the fallback channels need. */
@ObjectType()
@Entity({ name: 'patients' })
@Index('idx_patients_name', ['familyName', 'givenName'])
@Index('idx_patients_gp_practice', ['gpPracticeOdsCode'])
export class Patient {
  @Field(() => NhsNumber)
  @Authorized(Role.SENDER)
  @PrimaryColumn({ name: 'nhs_number', type: 'varchar', length: 10 })
  nhsNumber: string;

  @Field()
  @Authorized(Role.SENDER)
  @Column({ name: 'given_name', type: 'varchar', length: 100 })
  givenName: string;

  @Field()
  @Authorized(Role.SENDER)
  @Column({ name: 'family_name', type: 'varchar', length: 100 })
  familyName: string;

  /** ISO date, YYYY-MM-DD. */
  @Field()
  @Authorized(Role.SENDER)
  @Column({ name: 'date_of_birth', type: 'varchar', length: 10 })
  dateOfBirth: string;

  @Field(() => String, { nullable: true })
  @Authorized(Role.SENDER)
  @Column({ name: 'mobile_number', type: 'varchar', length: 20, nullable: true })
  mobileNumber: string | null;

  @Field(() => String, { nullable: true })
  @Authorized(Role.SENDER)
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  @Authorized(Role.SENDER)
  @Column({ name: 'postal_address', type: 'varchar', length: 500, nullable: true })
  postalAddress: string | null;

  @Field()
  @Authorized(Role.SENDER)
  @Column({ name: 'nhs_app_user', type: 'boolean' })
  nhsAppUser: boolean;

  @Field({ description: 'A deceased patient is never messaged; queued messages to them are stopped.' })
  @Authorized(Role.SENDER)
  @Column({ type: 'boolean', default: false })
  deceased: boolean;

  @Field({ description: 'A confidential record (the PDS "S" flag): contact details are never handed to an SMS, email or letter supplier.' })
  @Authorized(Role.SENDER)
  @Column({ type: 'boolean', default: false })
  confidential: boolean;

  @Column({ name: 'gp_practice_ods_code', type: 'varchar', length: 12, nullable: true })
  gpPracticeOdsCode: string | null;

  @ManyToOne(() => Organisation, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'gp_practice_ods_code', foreignKeyConstraintName: 'fk_patients_gp_practice' })
  gpPractice?: Organisation | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
