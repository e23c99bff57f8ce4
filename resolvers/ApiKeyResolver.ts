import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { createApiKey } from '../src/auth/apiKeys';
import { Role } from '../src/vocabulary/roles';
import type { HubContext } from '../src/graphql/context';

@ObjectType({ description: 'An API key as operators see it: never the key itself.' })
class ApiKeyInfo {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  role: string;

  @Field(() => String, { nullable: true })
  organisationOdsCode: string | null;

  @Field({ description: 'The first characters of the key, to tell keys apart.' })
  keyPrefix: string;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType()
class CreatedApiKey {
  @Field(() => ApiKeyInfo)
  apiKey: ApiKeyInfo;

  @Field({ description: 'The key itself. It is shown only here, once: only its hash is stored.' })
  key: string;
}

@InputType()
class ApiKeyInput {
  @Field({ description: 'SENDER, ANALYST, DASHBOARD, PROVIDER or ADMIN.' })
  role: string;

  @Field(() => String, { nullable: true, description: 'Required for SENDER; optional for DASHBOARD.' })
  organisationOdsCode?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

/** Key management for ADMIN keys; the same as `npm run apikey`. */
@Resolver()
export class ApiKeyResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [ApiKeyInfo])
  async apiKeys(@Ctx() ctx: HubContext): Promise<ApiKeyInfo[]> {
    return ctx.hub.stores.apiKeys.list();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreatedApiKey)
  async createApiKey(@Arg('input', () => ApiKeyInput) input: ApiKeyInput, @Ctx() ctx: HubContext): Promise<CreatedApiKey> {
    const { key, record } = await createApiKey({ apiKeys: ctx.hub.stores.apiKeys, organisations: ctx.hub.stores.organisations, clock: ctx.hub.clock }, { ...input, role: input.role.trim().toUpperCase() as Role });
    return { key, apiKey: record };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Boolean, { description: 'True when an active key was revoked; it stops working on its next request.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<boolean> {
    return ctx.hub.stores.apiKeys.revoke(id, ctx.hub.clock.now());
  }
}
