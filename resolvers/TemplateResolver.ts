import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { MessageTemplate } from '../entities/MessageTemplate';
import type { HubContext } from '../src/graphql/context';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { buildContentReport } from '../src/messages/rules/contentReport';
import { HubError } from '../src/shared/errors';
import { isRowId } from '../src/shared/ids';
import { pageSize } from '../src/shared/pagination';
import { placeholdersIn } from '../src/templates/rules/placeholders';
import { previewTemplate } from '../src/templates/previewTemplate';
import { archiveTemplate, saveTemplate } from '../src/templates/saveTemplate';
import { sendFromTemplate } from '../src/templates/sendFromTemplate';
import { MessagingCategory } from '../src/vocabulary/messagingCategory';
import { LegalBasis } from '../src/vocabulary/messages';
import { Role } from '../src/vocabulary/roles';
import { ContentReport } from './MessageResolver';
import { RoutingInput, SendMessagesPayload, toSendMessagesPayload } from './SendMessageResolver';
import { PageInfo, toConnection } from './types/connections';

@ObjectType('MessageTemplate', { description: 'A reusable message owned by one organisation; its body and subject may hold ((placeholder)) fields.' })
class MessageTemplateView {
  @Field(() => ID)
  id: string;

  @Field()
  organisationOdsCode: string;

  @Field()
  name: string;

  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field(() => String, { nullable: true })
  subject: string | null;

  @Field()
  body: string;

  @Field(() => LegalBasis)
  legalBasis: LegalBasis;

  @Field()
  purpose: string;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  archivedAt: Date | null;
}

@ObjectType()
class MessageTemplateEdge {
  @Field()
  cursor: string;

  @Field(() => MessageTemplateView)
  node: MessageTemplate;
}

@ObjectType()
class MessageTemplateConnection {
  @Field(() => [MessageTemplateEdge])
  edges: MessageTemplateEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  countTotal: () => Promise<number>;
}

@InputType()
class MessageTemplateInput {
  @Field()
  organisationOdsCode: string;

  @Field()
  name: string;

  @Field(() => MessagingCategory)
  category: MessagingCategory;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field({ description: 'Markdown subset, as for sendMessage, with ((placeholder)) fields.' })
  body: string;

  @Field(() => LegalBasis)
  legalBasis: LegalBasis;

  @Field()
  purpose: string;
}

@InputType()
class PersonalisationInput {
  @Field()
  name: string;

  @Field({ description: 'Text only: Markdown and HTML in it are shown as written, never as formatting or links.' })
  value: string;
}

@InputType()
class TemplateRecipientInput {
  @Field(() => NhsNumberScalar)
  nhsNumber: string;

  @Field(() => [PersonalisationInput], { nullable: true })
  personalisation?: PersonalisationInput[] | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
class SendFromTemplateInput {
  @Field(() => ID)
  templateId: string;

  @Field(() => [TemplateRecipientInput])
  recipients: TemplateRecipientInput[];

  @Field(() => Boolean, { nullable: true })
  timeCritical?: boolean | null;

  @Field(() => RoutingInput, { nullable: true })
  routing?: RoutingInput | null;

  @Field(() => Date, { nullable: true, description: 'Never deliver after this time (see the safety part); optional.' })
  expiresAt?: Date | null;
}

@ObjectType()
class MessagePreview {
  @Field(() => String, { nullable: true })
  subject: string | null;

  @Field()
  body: string;

  @Field(() => ContentReport)
  contentReport: ContentReport;
}

function assertTemplateId(id: string): void {
  if (!isRowId(id)) throw new HubError('NOT_FOUND', `No template ${id}`);
}

function templateDeps(ctx: HubContext) {
  return { db: ctx.hub.db, clock: ctx.hub.clock, templates: ctx.hub.stores.templates, organisations: ctx.hub.stores.organisations };
}

@Resolver(() => MessageTemplateView)
export class TemplateResolver {
  @Authorized(Role.SENDER)
  @Query(() => MessageTemplateView, { nullable: true })
  async messageTemplate(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<MessageTemplate | null> {
    if (!isRowId(id)) return null;
    return ctx.hub.stores.templates.findById(id, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Query(() => MessageTemplateConnection)
  async messageTemplates(
    @Ctx() ctx: HubContext,
    @Arg('organisationOdsCode', () => String, { nullable: true }) organisationOdsCode?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<MessageTemplateConnection> {
    const page = await ctx.hub.stores.templates.page(organisationOdsCode?.trim().toUpperCase() || null, pageSize(first), after, ctx.scope);
    return toConnection(page, page.totalCount);
  }

  @Authorized(Role.SENDER)
  @Query(() => MessagePreview, { description: "The message one recipient would get, rendered and checked; nothing is stored or sent." })
  async previewTemplate(
    @Arg('templateId', () => ID) templateId: string,
    @Arg('nhsNumber', () => NhsNumberScalar) nhsNumber: string,
    @Ctx() ctx: HubContext,
    @Arg('personalisation', () => [PersonalisationInput], { nullable: true }) personalisation?: PersonalisationInput[] | null,
  ): Promise<MessagePreview> {
    assertTemplateId(templateId);
    const { stores, db } = ctx.hub;
    return previewTemplate({ db, templates: stores.templates, patients: stores.patients, organisations: stores.organisations }, templateId, nhsNumber, personalisation, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => MessageTemplateView, { description: 'Creates a template, or with an id replaces the text of an existing one.' })
  async saveMessageTemplate(
    @Arg('input', () => MessageTemplateInput) input: MessageTemplateInput,
    @Ctx() ctx: HubContext,
    @Arg('id', () => ID, { nullable: true }) id?: string | null,
  ): Promise<MessageTemplate> {
    if (id) assertTemplateId(id);
    return saveTemplate(templateDeps(ctx), id, input, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => MessageTemplateView)
  async archiveMessageTemplate(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<MessageTemplate> {
    assertTemplateId(id);
    return archiveTemplate(templateDeps(ctx), id, ctx.scope);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => SendMessagesPayload, { description: 'One message per recipient, each rendered, checked and sent like sendMessage; one result per recipient.' })
  async sendFromTemplate(@Arg('input', () => SendFromTemplateInput) input: SendFromTemplateInput, @Ctx() ctx: HubContext): Promise<SendMessagesPayload> {
    assertTemplateId(input.templateId);
    const results = await sendFromTemplate(ctx.hub.useCases.sendFromTemplate, input, ctx.scope, ctx.audit);
    return toSendMessagesPayload(results);
  }

  @FieldResolver(() => [String], { description: 'Every placeholder name used in the subject and body, in order of first use.' })
  placeholders(@Root() template: MessageTemplate): string[] {
    return placeholdersIn(template);
  }

  @FieldResolver(() => ContentReport, { description: 'The report for the template text as written, placeholders included.' })
  contentReport(@Root() template: MessageTemplate): ContentReport {
    const report = buildContentReport(template.subject, template.body);
    return { readingGrade: report.readingGrade, wordCount: report.wordCount, smsFragments: report.smsFragments, warnings: report.warnings };
  }

  @FieldResolver(() => Boolean)
  archived(@Root() template: MessageTemplate): boolean {
    return template.archivedAt !== null;
  }
}

@Resolver(() => MessageTemplateConnection)
export class MessageTemplateConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: MessageTemplateConnection): Promise<number> {
    return connection.countTotal();
  }
}
