import { Authorized, Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { providerHealth } from '../src/delivery/providers/providerRegistry';
import type { HubContext } from '../src/graphql/context';
import { Channel } from '../src/vocabulary/delivery';
import { CircuitState } from '../src/vocabulary/providers';
import { Role } from '../src/vocabulary/roles';

@ObjectType()
class ProviderHealth {
  @Field(() => Channel)
  channel: Channel;

  @Field()
  provider: string;

  @Field(() => CircuitState)
  state: CircuitState;

  @Field(() => Int)
  recentCalls: number;

  @Field(() => Float)
  recentFailureRate: number;

  @Field(() => Date, { nullable: true })
  lastFailureAt: Date | null;
}

@Resolver()
export class ProviderHealthResolver {
  @Authorized(Role.DASHBOARD)
  @Query(() => [ProviderHealth], { description: "The state of every configured provider, in each channel's priority order (circuits are kept per hub process)." })
  providerHealth(@Ctx() ctx: HubContext): ProviderHealth[] {
    return providerHealth(ctx.hub.providers);
  }
}
