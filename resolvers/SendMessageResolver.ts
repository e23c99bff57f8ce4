import { Authorized, Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Message } from '../entities/Message';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { Channel } from '../src/vocabulary/delivery';
import type { HubContext } from '../src/graphql/context';
import { ErrorCodeEnum } from '../src/graphql/enums';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { LegalBasis } from '../src/vocabulary/messages';
import { sendMessage } from '../src/messages/sendMessage';
import { type BatchItemResult, sendMessages } from '../src/messages/sendMessages';
import type { ErrorCode } from '../src/shared/errors';

@InputType()
export class RoutingInput {
  @Field(() => [Channel], { nullable: true, description: "Channels to fall back to, in order, when the NHS App cannot deliver. Default: the patient's fallbackOrder." })
  fallbackOrder?: Channel[] | null;

  @Field(() => Int, { nullable: true, description: 'Fall back when an NHS App message is still unread after this many hours (0: never). Default 24.' })
  unreadFallbackHours?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Send an SMS nudge when the NHS App could not notify the patient's device." })
  nudgeWhenUnnotified?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Fall back when the NHS App has not reported NOTIFIED within this many minutes (0 or unset: off).' })
  notifiedWithinMinutes?: number | null;
}

@InputType()
class SendMessageInput {
  @Field(() => NhsNumberScalar)
  nhsNumber: string;

  @Field()
  organisationOdsCode: string;

  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field({ description: 'Markdown subset: headings, paragraphs, line breaks, bold, lists and https links. At most 5,000 characters.' })
  body: string;

  @Field(() => LegalBasis, { nullable: true, description: 'Required: a send without one is refused with NO_LEGAL_BASIS.' })
  legalBasis?: LegalBasis | null;

  @Field(() => String, { nullable: true, description: 'Required: why the patient is being contacted; blank is refused with NO_LEGAL_BASIS.' })
  purpose?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Time-critical messages never go to the NHS App and ignore quiet hours.' })
  timeCritical?: boolean | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;

  @Field(() => RoutingInput, { nullable: true })
  routing?: RoutingInput | null;

  @Field(() => Date, { nullable: true, description: 'Never deliver after this time: an appointment reminder after the appointment helps no one.' })
  expiresAt?: Date | null;
}

@InputType()
class SendMessagesInput {
  @Field(() => [SendMessageInput])
  messages: SendMessageInput[];
}

// The result types are plain data: read without the per-field middleware (Message keeps its own).
@ObjectType({ simpleResolvers: true })
class SendMessagePayload {
  @Field(() => Message)
  message: Message;

  @Field({ description: 'True when an earlier request with the same idempotency key already created this message.' })
  replayed: boolean;
}

@ObjectType({ simpleResolvers: true })
class SendError {
  @Field(() => ErrorCodeEnum)
  code: ErrorCode;

  @Field()
  message: string;
}

@ObjectType({ simpleResolvers: true })
class SendResult {
  @Field(() => Int)
  index: number;

  @Field(() => Message, { nullable: true })
  message: Message | null;

  @Field()
  replayed: boolean;

  @Field(() => SendError, { nullable: true })
  error: SendError | null;
}

@ObjectType({ simpleResolvers: true })
export class SendMessagesPayload {
  @Field(() => [SendResult])
  results: SendResult[];

  @Field(() => Int)
  accepted: number;

  @Field(() => Int)
  rejected: number;
}

@Resolver()
export class SendMessageResolver {
  @Authorized(Role.SENDER)
  @Mutation(() => SendMessagePayload)
  async sendMessage(@Arg('input', () => SendMessageInput) input: SendMessageInput, @Ctx() ctx: HubContext): Promise<SendMessagePayload> {
    return sendMessage(ctx.hub.useCases.send, input, ctx.scope, ctx.audit);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => SendMessagesPayload, { description: 'Up to 1,000 messages, one result per item: a bad item never blocks the good ones.' })
  async sendMessages(@Arg('input', () => SendMessagesInput) input: SendMessagesInput, @Ctx() ctx: HubContext): Promise<SendMessagesPayload> {
    return toSendMessagesPayload(await sendMessages(ctx.hub.useCases.send, input.messages, ctx.scope, ctx.audit));
  }
}

export function toSendMessagesPayload(results: BatchItemResult[]): SendMessagesPayload {
  return {
    results: results.map((r) => ({ index: r.index, message: r.result?.message ?? null, replayed: r.result?.replayed ?? false, error: r.error })),
    accepted: results.filter((r) => r.error === null).length,
    rejected: results.filter((r) => r.error !== null).length,
  };
}
