import { Authorized, Arg, Args, ArgsType, Ctx, Field, FieldResolver, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Organisation } from '../entities/Organisation';
import { Patient } from '../entities/Patient';
import type { HubContext } from '../src/graphql/context';
import { NhsNumberScalar } from '../src/graphql/scalars';
import { upsertPatient } from '../src/patients/upsertPatient';
import { preferencesAt } from '../src/preferences/preferencesInForce';
import { pageSize } from '../src/shared/pagination';
import { ChannelPreferences } from './PreferencesResolver';
import { MessageConnection, PatientConnection, toConnection } from './types/connections';
import { MessagePageArgs } from './types/messageFilter';

@InputType()
class PatientInput {
  @Field(() => NhsNumberScalar)
  nhsNumber: string;

  @Field()
  givenName: string;

  @Field()
  familyName: string;

  @Field()
  dateOfBirth: string;

  @Field(() => String, { nullable: true })
  mobileNumber?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  postalAddress?: string | null;

  @Field()
  nhsAppUser: boolean;

  @Field(() => String, { nullable: true })
  gpPracticeOdsCode?: string | null;

  @Field(() => Boolean, { nullable: true })
  deceased?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  confidential?: boolean | null;
}

@ArgsType()
class PatientsArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => String, { nullable: true, description: 'Words of the given or family name, or the start of the NHS number.' })
  search?: string | null;
}

@Resolver(() => Patient)
export class PatientResolver {
  @Authorized(Role.SENDER)
  @Query(() => Patient, { nullable: true })
  async patient(@Arg('nhsNumber', () => NhsNumberScalar) nhsNumber: string, @Ctx() ctx: HubContext): Promise<Patient | null> {
    return ctx.loaders.patient.load(nhsNumber);
  }

  @Authorized(Role.SENDER)
  @Query(() => PatientConnection)
  async patients(@Args(() => PatientsArgs) args: PatientsArgs, @Ctx() ctx: HubContext) {
    const page = await ctx.hub.stores.patients.search({ search: args.search, size: pageSize(args.first), after: args.after }, ctx.scope);
    return toConnection(page, page.totalCount);
  }

  @Authorized(Role.SENDER)
  @Mutation(() => Patient)
  async upsertPatient(@Arg('input', () => PatientInput) input: PatientInput, @Ctx() ctx: HubContext): Promise<Patient> {
    const patient = await upsertPatient(ctx.hub.useCases.patients, input, ctx.scope);
    ctx.loaders.patient.clear(patient.nhsNumber).prime(patient.nhsNumber, patient);
    return patient;
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => Organisation, { nullable: true })
  async gpPractice(@Root() patient: Patient, @Ctx() ctx: HubContext): Promise<Organisation | null> {
    return patient.gpPracticeOdsCode ? ctx.loaders.organisation.load(patient.gpPracticeOdsCode) : null;
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => ChannelPreferences)
  async channelPreferences(@Root() patient: Patient, @Ctx() ctx: HubContext): Promise<ChannelPreferences> {
    const changes = await ctx.loaders.preferenceChanges.load(patient.nhsNumber);
    return preferencesAt(changes, ctx.hub.clock.now(), patient.createdAt);
  }

  @Authorized(Role.SENDER)
  @FieldResolver(() => MessageConnection, { description: "The patient's unified timeline, newest first." })
  async messages(@Root() patient: Patient, @Args(() => MessagePageArgs) args: MessagePageArgs, @Ctx() ctx: HubContext) {
    const loaders = ctx.loaders.patientMessages({ size: pageSize(args.first), after: args.after ?? null, filter: { ...(args.filter ?? {}) } });
    const page = await loaders.pages.load(patient.nhsNumber);
    return toConnection(page, () => loaders.counts.load(patient.nhsNumber));
  }
}
