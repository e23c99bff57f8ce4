import { Authorized, Arg, Args, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { DeliveryAttempt } from '../entities/DeliveryAttempt';
import { Message } from '../entities/Message';
import { Organisation } from '../entities/Organisation';
import { Patient } from '../entities/Patient';
import { PatientReport } from '../entities/PatientReport';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import type { HubContext } from '../src/graphql/context';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { ingestMessage } from '../src/messages/ingestMessage';
import { cancelMessage, markMessageRead, reportMessage } from '../src/messages/messageActions';
import { MessageDirection, ReportReason } from '../src/vocabulary/messages';
import { HubError } from '../src/shared/errors';
import { restrictedPatient } from '../src/graphql/restrictedPatient';
import { isRowId } from '../src/shared/ids';
import { pageSize } from '../src/shared/pagination';
import { MessageConnection, toConnection } from './types/connections';
import { MessagePageArgs } from './types/messageFilter';

@ObjectType()
export class ContentReport {
  @Field(() => Float, { description: 'Flesch-Kincaid reading grade of the body.' })
  readingGrade: number;

  @Field(() => Int)
  wordCount: number;

  @Field(() => Int, { description: 'SMS fragments the plain-text fallback would take.' })
  smsFragments: number;

  @Field(() => [String])
  warnings: string[];
}

@InputType()
class IngestMessageInput {
  @Field(() => NhsNumberScalar)
  nhsNumber: string;

  @Field()
  organisationOdsCode: string;

  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field(() => MessageDirection)
  direction: MessageDirection;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field()
  body: string;

  @Field()
  sourceReference: string;

  @Field(() => Date, { nullable: true })
  occurredAt?: Date | null;
}

@InputType()
class ReportMessageInput {
  @Field(() => ID)
  messageId: string;

  @Field(() => ReportReason)
  reason: ReportReason;

  @Field(() => String, { nullable: true })
  comment?: string | null;
}

export async function loadMessageOrFail(ctx: HubContext, id: string): Promise<Message> {
  const message = isRowId(id) ? await ctx.loaders.message.load(id) : null;
  if (!message) throw new HubError('NOT_FOUND', `No message with id ${id}`);
  return message;
}

@Resolver(() => Message)
export class MessageResolver {
  @Authorized(Role.SENDER)
  @Query(() => Message, { nullable: true })
  async message(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<Message | null> {
    return isRowId(id) ? ctx.loaders.message.load(id) : null;
  }

  @Authorized(Role.SENDER)
  @Query(() => MessageConnection)
  async messages(@Args(() => MessagePageArgs) args: MessagePageArgs, @Ctx() ctx: HubContext) {
    const page = await ctx.hub.stores.messages.page({ ...(args.filter ?? {}) }, pageSize(args.first), args.after, ctx.scope);
    for (const message of page.nodes) ctx.loaders.message.prime(message.id, message);
    return toConnection(page, page.totalCount);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => Message)
  async ingestMessage(@Arg('input', () => IngestMessageInput) input: IngestMessageInput, @Ctx() ctx: HubContext): Promise<Message> {
    return ingestMessage(ctx.hub.useCases.ingest, input, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => Message, { description: 'Cancels a message before its first delivery attempt has been sent.' })
  async cancelMessage(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<Message> {
    return cancelMessage(ctx.hub.useCases.messageActions, id, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => Message, { description: 'The patient has read the message; ends any fallback still waiting.' })
  async markMessageRead(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<Message> {
    return markMessageRead(ctx.hub.useCases.messageActions, id, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => PatientReport, { description: 'A patient reports a message as unwanted, inappropriate or not for them.' })
  async reportMessage(@Arg('input', () => ReportMessageInput) input: ReportMessageInput, @Ctx() ctx: HubContext): Promise<PatientReport> {
    return reportMessage(ctx.hub.useCases.reports, input, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => Organisation)
  async organisation(@Root() message: Message, @Ctx() ctx: HubContext): Promise<Organisation> {
    const organisation = await ctx.loaders.organisation.load(message.organisationOdsCode);
    if (!organisation) throw new HubError('INTERNAL_SERVER_ERROR', `Organisation ${message.organisationOdsCode} of message ${message.id} is missing`);
    return organisation;
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => Patient)
  async patient(@Root() message: Message, @Ctx() ctx: HubContext): Promise<Patient> {
    // The message itself is visible, so its NHS number is too; the rest only to the patient's practice.
    return (await ctx.loaders.patient.load(message.nhsNumber)) ?? restrictedPatient(message.nhsNumber);
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => ContentReport)
  contentReport(@Root() message: Message): ContentReport {
    return { readingGrade: message.readingGrade, wordCount: message.wordCount, smsFragments: message.smsFragments, warnings: message.contentWarnings };
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => [DeliveryAttempt])
  async deliveryAttempts(@Root() message: Message, @Ctx() ctx: HubContext): Promise<DeliveryAttempt[]> {
    return ctx.loaders.attemptsByMessage.load(message.id);
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => [PatientReport])
  async reports(@Root() message: Message, @Ctx() ctx: HubContext): Promise<PatientReport[]> {
    return ctx.loaders.reportsByMessage.load(message.id);
  }
}
