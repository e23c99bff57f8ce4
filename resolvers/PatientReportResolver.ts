import { Authorized, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Role } from '../src/vocabulary/roles';
import { Message } from '../entities/Message';
import { PatientReport } from '../entities/PatientReport';
import type { HubContext } from '../src/graphql/context';
import { loadMessageOrFail } from './MessageResolver';

@Resolver(() => PatientReport)
export class PatientReportResolver {
  @Authorized(Role.SENDER)
  @FieldResolver(() => Message)
  async message(@Root() report: PatientReport, @Ctx() ctx: HubContext): Promise<Message> {
    return loadMessageOrFail(ctx, report.messageId);
  }
}
