import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { OrganisationType } from '../src/vocabulary/organisationType';

/** An NHS organisation that sends or holds messages, keyed by its ODS code. */
@ObjectType()
@Entity({ name: 'organisations' })
export class Organisation {
  @Field()
  @PrimaryColumn({ name: 'ods_code', type: 'varchar', length: 12 })
  odsCode: string;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => OrganisationType)
  @Column({ type: 'varchar', length: 32 })
  type: OrganisationType;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
