import { Authorized, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { DeliveryAttempt } from '../entities/DeliveryAttempt';
import { Message } from '../entities/Message';
import type { HubContext } from '../src/graphql/context';
import { loadMessageOrFail } from './MessageResolver';

@Resolver(() => DeliveryAttempt)
export class DeliveryAttemptResolver {
  @Authorized(Role.SENDER)
  @FieldResolver(() => Message)
  async message(@Root() attempt: DeliveryAttempt, @Ctx() ctx: HubContext): Promise<Message> {
    return loadMessageOrFail(ctx, attempt.messageId);
  }
}
