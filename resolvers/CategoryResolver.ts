import { Authorized, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import type { HubContext } from '../src/graphql/context';
import { MessageDirection } from '../src/vocabulary/messages';

@ObjectType()
export class MessagingCategoryInfo {
  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field()
  name: string;

  @Field()
  description: string;

  @Field(() => [MessageDirection])
  directions: MessageDirection[];

  @Field()
  supportsFallback: boolean;

  @Field()
  supportsReplies: boolean;

  @Field()
  sendsNotifications: boolean;
}

@Resolver()
export class CategoryResolver {
  @Authorized(Role.SENDER, Role.ANALYST, Role.DASHBOARD)
  @Query(() => [MessagingCategoryInfo], { description: 'The messaging services a patient can meet in the NHS App.' })
  async messagingCategories(@Ctx() ctx: HubContext): Promise<MessagingCategoryInfo[]> {
    return ctx.hub.stores.categories.list();
  }
}
