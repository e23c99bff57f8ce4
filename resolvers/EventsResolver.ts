import { Arg, Authorized, Ctx, Field, ID, InputType, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { HubEvent } from '../entities/HubEvent';
import { Role } from '../src/vocabulary/roles';
import { assertRole } from '../src/auth/assertRole';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { Channel, FailureReason } from '../src/vocabulary/delivery';
import { parseEventId, scopedFilter } from '../src/events/eventFilter';
import { DeliveryEventType } from '../src/vocabulary/events';
import { eventStream } from '../src/events/eventStream';
import type { HubContext } from '../src/graphql/context';

@ObjectType({ simpleResolvers: true, description: 'A step in a message\'s delivery. Carries no personal data.' })
class DeliveryEvent {
  @Field(() => ID, { description: 'Increasing; pass the last one seen as `after` to catch up after a reconnect.' })
  id: string;

  @Field(() => DeliveryEventType)
  type: DeliveryEventType;

  @Field(() => ID)
  messageId: string;

  @Field(() => ID, { nullable: true })
  attemptId: string | null;

  @Field(() => Channel, { nullable: true })
  channel: Channel | null;

  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field()
  organisationOdsCode: string;

  @Field()
  occurredAt: Date;
}

@ObjectType({ simpleResolvers: true, description: 'The hub moved a message on to another channel. Carries no personal data.' })
class FallbackEvent {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  messageId: string;

  @Field(() => Channel)
  fromChannel: Channel;

  @Field(() => Channel)
  toChannel: Channel;

  @Field(() => FailureReason)
  reason: FailureReason;

  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field()
  organisationOdsCode: string;

  @Field()
  occurredAt: Date;
}

@InputType()
class EventFilter {
  @Field(() => [String], { nullable: true })
  organisationOdsCodes?: string[] | null;

  @Field(() => [MessagingCategory], { nullable: true })
  categories?: MessagingCategory[] | null;

  @Field(() => ID, { nullable: true })
  messageId?: string | null;
}

interface EventArgs {
  filter?: EventFilter | null;
  after?: string | null;
}

const SUBSCRIBERS = [Role.DASHBOARD];

/** The arguments choose the stream; an event's fields never depend on them, so subscribers share its execution (src/ws/sharedEventExecution.ts). */
function streamFor(kind: HubEvent['kind']) {
  return ({ args, context }: { args: EventArgs; context: HubContext }) => {
    assertRole(context.principal, SUBSCRIBERS);
    const socket = (context as HubContext & { socket?: { close(code: number, reason: string): void } }).socket;
    return eventStream({
      bus: context.hub.bus,
      store: context.hub.stores.events,
      kind,
      filter: scopedFilter(args.filter, context.scope),
      after: parseEventId(args.after),
      onOverflow: () => socket?.close(4008, 'Subscriber too slow: events were dropped; reconnect with after'),
    });
  };
}

@Resolver()
export class EventsResolver {
  @Authorized(...SUBSCRIBERS)
  @Query(() => ID, {
    description: 'The newest stored event id: subscribe with it as `after` to miss nothing from this moment on. With `before`, the newest event that occurred before that instant: subscribe with it to replay everything since.',
  })
  async latestEventId(@Arg('before', () => Date, { nullable: true }) before: Date | null, @Ctx() ctx: HubContext): Promise<string> {
    return ctx.hub.stores.events.latestId(before);
  }

  @Authorized(...SUBSCRIBERS)
  @Subscription(() => DeliveryEvent, { subscribe: streamFor('DELIVERY'), description: 'Live delivery events; with `after`, stored events after that id come first.' })
  deliveryEvents(
    @Root() event: HubEvent,
    @Arg('filter', () => EventFilter, { nullable: true }) _filter: EventFilter | null,
    @Arg('after', () => ID, { nullable: true }) _after: string | null,
  ): DeliveryEvent {
    return { ...event, id: String(event.sequence), type: event.type as DeliveryEventType };
  }

  @Authorized(...SUBSCRIBERS)
  @Subscription(() => FallbackEvent, { subscribe: streamFor('FALLBACK'), description: 'Live fallback events; with `after`, stored events after that id come first.' })
  fallbackEvents(
    @Root() event: HubEvent,
    @Arg('filter', () => EventFilter, { nullable: true }) _filter: EventFilter | null,
    @Arg('after', () => ID, { nullable: true }) _after: string | null,
  ): FallbackEvent {
    return { ...event, id: String(event.sequence), fromChannel: event.fromChannel as Channel, toChannel: event.toChannel as Channel, reason: event.reason as FailureReason };
  }
}

export { DeliveryEvent, FallbackEvent };
