import { Authorized, Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { DeliveryAttempt } from '../entities/DeliveryAttempt';
import { DeliveryStatus, FailureReason, NotificationStatus } from '../src/vocabulary/delivery';
import { recordDeliveryReceipt } from '../src/delivery/recordReceipt';
import type { HubContext } from '../src/graphql/context';

@InputType()
export class DeliveryReceiptInput {
  @Field(() => ID, { nullable: true })
  attemptId?: string | null;

  @Field(() => String, { nullable: true })
  providerReference?: string | null;

  @Field(() => DeliveryStatus)
  status: DeliveryStatus;

  @Field(() => NotificationStatus, { nullable: true })
  notification?: NotificationStatus | null;

  @Field(() => FailureReason, { nullable: true })
  failureReason?: FailureReason | null;

  @Field(() => Date, { nullable: true })
  occurredAt?: Date | null;
}

@Resolver()
export class DeliveryReceiptResolver {
  @Authorized(Role.PROVIDER)
  @Mutation(() => DeliveryAttempt, { description: "A supplier's delivery receipt; idempotent and order-tolerant." })
  async recordDeliveryReceipt(@Arg('input', () => DeliveryReceiptInput) input: DeliveryReceiptInput, @Ctx() ctx: HubContext): Promise<DeliveryAttempt> {
    return recordDeliveryReceipt(ctx.hub.useCases.receipts, input, ctx.scope.organisationOdsCode);
  }
}
