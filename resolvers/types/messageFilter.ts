import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { NhsNumberScalar } from '../../src/graphql/scalars';
import { MessageDirection, MessageStatus } from '../../src/vocabulary/messages';

@InputType()
export class MessageFilter {
  @Field(() => [MessagingCategory], { nullable: true })
  categories?: MessagingCategory[] | null;

  @Field(() => [MessageStatus], { nullable: true })
  statuses?: MessageStatus[] | null;

  @Field(() => MessageDirection, { nullable: true })
  direction?: MessageDirection | null;

  @Field(() => String, { nullable: true })
  organisationOdsCode?: string | null;

  @Field(() => NhsNumberScalar, { nullable: true })
  nhsNumber?: string | null;

  @Field(() => Date, { nullable: true })
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true })
  createdBefore?: Date | null;
}

/** first / after / filter, as Query.messages and Patient.messages take them. */
@ArgsType()
export class MessagePageArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => MessageFilter, { nullable: true })
  filter?: MessageFilter | null;
}
