import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { StatusCallback } from '../entities/StatusCallback';
import { createStatusCallback, deleteStatusCallback } from '../src/callbacks/registerCallback';
import type { HubContext } from '../src/graphql/context';
import { HubError } from '../src/shared/errors';
import { isRowId } from '../src/shared/ids';
import { StatusCallbackEvent } from '../src/vocabulary/callbacks';
import { Role } from '../src/vocabulary/roles';

@ObjectType('StatusCallback')
class StatusCallbackView {
  @Field(() => ID)
  id: string;

  @Field()
  organisationOdsCode: string;

  @Field()
  url: string;

  @Field(() => [StatusCallbackEvent])
  events: StatusCallbackEvent[];

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'Set when the hub stopped calling this URL (deleted, or the receiver answered 410 Gone).' })
  disabledAt: Date | null;
}

@ObjectType()
class StatusCallbackCreated {
  @Field(() => StatusCallbackView)
  callback: StatusCallback;

  @Field({ description: 'The HMAC signing secret; shown once, stored only in a form that can sign.' })
  secret: string;
}

@InputType()
class StatusCallbackInput {
  @Field()
  organisationOdsCode: string;

  @Field()
  url: string;

  @Field(() => [StatusCallbackEvent], { nullable: true, description: 'Default: all three.' })
  events?: StatusCallbackEvent[] | null;
}

function callbackDeps(ctx: HubContext) {
  const { db, clock, stores, config } = ctx.hub;
  return { db, clock, callbacks: stores.callbacks, organisations: stores.organisations, production: config.production, masterSecret: config.webhookSecret };
}

@Resolver()
export class StatusCallbackResolver {
  @Authorized(Role.SENDER)
  @Query(() => [StatusCallbackView])
  async statusCallbacks(@Ctx() ctx: HubContext, @Arg('organisationOdsCode', () => String, { nullable: true }) organisationOdsCode?: string | null): Promise<StatusCallback[]> {
    return ctx.hub.stores.callbacks.list(organisationOdsCode?.trim().toUpperCase() || null, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => StatusCallbackCreated)
  async createStatusCallback(@Arg('input', () => StatusCallbackInput) input: StatusCallbackInput, @Ctx() ctx: HubContext): Promise<StatusCallbackCreated> {
    return createStatusCallback(callbackDeps(ctx), input, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => StatusCallbackView)
  async deleteStatusCallback(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<StatusCallback> {
    if (!isRowId(id)) throw new HubError('NOT_FOUND', `No status callback ${id}`);
    return deleteStatusCallback(callbackDeps(ctx), id, ctx.scope);
  }
}
