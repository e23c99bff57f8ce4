import { Authorized, Arg, Ctx, Field, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Channel } from '../src/vocabulary/delivery';
import type { HubContext } from '../src/graphql/context';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { updateChannelPreferences } from '../src/preferences/updateChannelPreferences';

@ObjectType()
export class ChannelPreferences {
  @Field({ description: 'Whether NHS App notifications are on now.' })
  notificationsEnabled: boolean;

  @Field(() => Boolean, { nullable: true, description: 'A change not yet in force: notification changes take up to 24 hours to take effect.' })
  pendingNotificationsEnabled: boolean | null;

  @Field(() => Date, { nullable: true })
  pendingEffectiveAt: Date | null;

  @Field(() => [Channel])
  optedOutChannels: Channel[];

  @Field(() => [Channel])
  fallbackOrder: Channel[];

  @Field()
  updatedAt: Date;
}

@InputType()
class ChannelPreferencesInput {
  @Field(() => NhsNumberScalar)
  nhsNumber: string;

  @Field(() => Boolean, { nullable: true })
  notificationsEnabled?: boolean | null;

  @Field(() => [Channel], { nullable: true })
  optedOutChannels?: Channel[] | null;

  @Field(() => [Channel], { nullable: true })
  fallbackOrder?: Channel[] | null;
}

@Resolver()
export class PreferencesResolver {
  @Authorized(Role.SENDER)
  @Mutation(() => ChannelPreferences)
  async updateChannelPreferences(@Arg('input', () => ChannelPreferencesInput) input: ChannelPreferencesInput, @Ctx() ctx: HubContext): Promise<ChannelPreferences> {
    return updateChannelPreferences(ctx.hub.useCases.preferences, input, ctx.scope);
  }
}
