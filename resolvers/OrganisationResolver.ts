import { Authorized, Arg, Ctx, Field, InputType, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Organisation } from '../entities/Organisation';
import type { HubContext } from '../src/graphql/context';
import { OrganisationType } from '../src/vocabulary/organisationType';
import { normaliseOdsCode } from '../src/organisations/odsCode';
import { upsertOrganisation } from '../src/organisations/upsertOrganisation';

@InputType()
class OrganisationInput {
  @Field()
  odsCode: string;

  @Field()
  name: string;

  @Field(() => OrganisationType)
  type: OrganisationType;
}

@Resolver(() => Organisation)
export class OrganisationResolver {
  @Authorized(Role.SENDER)
  @Query(() => Organisation, { nullable: true })
  async organisation(@Arg('odsCode') odsCode: string, @Ctx() ctx: HubContext): Promise<Organisation | null> {
    return ctx.loaders.organisation.load(normaliseOdsCode(odsCode));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Organisation)
  async upsertOrganisation(@Arg('input', () => OrganisationInput) input: OrganisationInput, @Ctx() ctx: HubContext): Promise<Organisation> {
    return upsertOrganisation(ctx.hub.useCases.organisations, input);
  }
}
