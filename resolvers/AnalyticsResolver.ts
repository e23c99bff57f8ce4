import { Arg, Authorized, Ctx, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { deliveryMetrics } from '../src/analytics/deliveryMetrics';
import { MetricsDimension } from '../src/analytics/metricsQuery';
import { metricsRange } from '../src/analytics/metricsRange';
import { Role } from '../src/vocabulary/roles';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { Channel } from '../src/vocabulary/delivery';
import type { HubContext } from '../src/graphql/context';

@InputType()
class MetricsFilter {
  @Field(() => Date, { nullable: true, description: 'Messages created at or after this instant (rounded down to the hour); default 30 days before `to`.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Messages created before this instant; default now.' })
  to?: Date | null;

  @Field(() => [String], { nullable: true })
  organisationOdsCodes?: string[] | null;

  @Field(() => [MessagingCategory], { nullable: true })
  categories?: MessagingCategory[] | null;

  @Field(() => [Channel], { nullable: true, description: 'The channel that delivered the message.' })
  channels?: Channel[] | null;
}

@ObjectType()
class DeliveryMetricsRow {
  @Field(() => String, { nullable: true })
  organisationOdsCode: string | null;

  @Field(() => MessagingCategory, { nullable: true })
  category: MessagingCategory | null;

  @Field(() => Channel, { nullable: true, description: 'The channel that delivered the messages (null: not delivered).' })
  channel: Channel | null;

  @Field(() => Date, { nullable: true, description: 'Start of the Europe/London day or hour.' })
  bucketStart: Date | null;

  @Field(() => Int)
  messages: number;

  @Field(() => Int)
  delivered: number;

  @Field(() => Int)
  read: number;

  @Field(() => Int)
  failed: number;

  @Field(() => Int, { description: 'Messages that used at least one fallback channel.' })
  fallbacks: number;

  @Field(() => Float, { description: 'delivered / messages' })
  deliveryRate: number;

  @Field(() => Float, { description: 'read / delivered' })
  readRate: number;

  @Field(() => Float, { description: 'fallbacks / messages' })
  fallbackRate: number;

  @Field(() => Float, { nullable: true, description: 'From creation to delivery, estimated from a histogram.' })
  medianSecondsToDeliver: number | null;

  @Field(() => Float, { nullable: true })
  p95SecondsToDeliver: number | null;

  @Field(() => Int, { description: 'SMS fragments the messages delivered by the NHS App would have cost.' })
  smsFragmentsAvoided: number;

  @Field(() => Int, { description: 'SMS fragments actually sent.' })
  smsFragmentsSent: number;

  @Field(() => Int)
  patientReports: number;

  @Field(() => Float, { description: 'Patient reports per 1,000 messages: group by ORGANISATION and CATEGORY to see whose messages draw complaints.' })
  reportsPerThousandMessages: number;

  @Field(() => Float, { description: 'smsFragmentsAvoided × SMS_FRAGMENT_PRICE_PENCE' })
  smsCostAvoidedPence: number;

  @Field(() => Float, { description: 'smsFragmentsSent × SMS_FRAGMENT_PRICE_PENCE' })
  smsCostSpentPence: number;
}

@Resolver()
export class AnalyticsResolver {
  @Authorized(Role.ANALYST, Role.DASHBOARD)
  @Query(() => [DeliveryMetricsRow], { description: 'Delivery, read and fallback figures, grouped by any of ORGANISATION, CATEGORY, CHANNEL and DAY or HOUR.' })
  async deliveryMetrics(
    @Arg('filter', () => MetricsFilter) filter: MetricsFilter,
    @Arg('groupBy', () => [MetricsDimension], { nullable: true }) groupBy: MetricsDimension[] | null,
    @Ctx() ctx: HubContext,
  ): Promise<DeliveryMetricsRow[]> {
    // A dashboard bound to an organisation sees only that organisation's figures.
    const own = ctx.scope.organisationOdsCode;
    const ranged = { ...filter, ...metricsRange(filter, ctx.hub.clock.now()) };
    const scoped = own ? { ...ranged, organisationOdsCodes: [own] } : ranged;
    return deliveryMetrics({ metrics: ctx.hub.stores.metrics, smsFragmentPricePence: ctx.hub.config.smsFragmentPricePence }, scoped, groupBy ?? []);
  }
}
