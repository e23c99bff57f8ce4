import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { AuditEvent as AuditEventRow } from '../entities/AuditEvent';
import { Role } from '../src/vocabulary/roles';
import type { HubContext } from '../src/graphql/context';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { HubError } from '../src/shared/errors';
import { pageSize } from '../src/shared/pagination';
import { PageInfo, toConnection } from './types/connections';

@ObjectType({ description: 'An entry of the append-only audit log.' })
class AuditEvent {
  @Field(() => ID)
  id: string;

  @Field()
  occurredAt: Date;

  @Field(() => ID, { description: 'The API key that made the request.' })
  apiKeyId: string;

  @Field()
  role: string;

  @Field({ description: 'PATIENT_DATA_READ or MUTATION.' })
  action: string;

  @Field({ description: 'The mutation, or the query field through which the data was read.' })
  operation: string;

  @Field(() => NhsNumberScalar, { nullable: true })
  nhsNumber: string | null;

  @Field(() => [String], { nullable: true, description: 'The personal-data fields that were read.' })
  fields: string[] | null;

  @Field({ description: 'OK, or the error code the mutation answered.' })
  outcome: string;

  @Field()
  requestId: string;
}

@ObjectType()
class AuditEventEdge {
  @Field()
  cursor: string;

  @Field(() => AuditEvent)
  node: AuditEvent;
}

@ObjectType()
class AuditEventConnection {
  @Field(() => [AuditEventEdge])
  edges: AuditEventEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  countTotal: () => Promise<number>;
}

@InputType()
class AuditEventFilter {
  @Field(() => String, { nullable: true, description: 'PATIENT_DATA_READ or MUTATION.' })
  action?: string | null;

  @Field(() => ID, { nullable: true })
  apiKeyId?: string | null;

  @Field(() => NhsNumberScalar, { nullable: true })
  nhsNumber?: string | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;
}

@ArgsType()
class AuditEventsArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => AuditEventFilter, { nullable: true })
  filter?: AuditEventFilter | null;
}

@Resolver(() => AuditEventConnection)
export class AuditResolver {
  @Authorized(Role.ADMIN)
  @Query(() => AuditEventConnection, { description: 'The audit log, newest first. ADMIN only.' })
  async auditEvents(@Args(() => AuditEventsArgs) args: AuditEventsArgs, @Ctx() ctx: HubContext) {
    const action = args.filter?.action;
    if (action && action !== 'PATIENT_DATA_READ' && action !== 'MUTATION') throw new HubError('BAD_USER_INPUT', 'filter.action must be PATIENT_DATA_READ or MUTATION');
    const page = await ctx.hub.stores.audit.page({ ...(args.filter ?? {}), action: action as AuditEventRow['action'] | null }, pageSize(args.first), args.after);
    return toConnection(page, page.totalCount);
  }

  @FieldResolver(() => Int)
  totalCount(@Root() connection: AuditEventConnection): Promise<number> {
    return connection.countTotal();
  }
}
