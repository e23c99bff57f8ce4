/** Builds the executable schema from the resolver classes and prints it as stable SDL. */
import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { RESOLVERS } from '../../resolvers';
import { roleAuthChecker } from '../auth/authChecker';
import { auditPatientDataReads } from './auditMiddleware';
import { refuseRestrictedPatientFields } from './restrictedPatient';
import './enums';
import { NhsNumber } from '../vocabulary/nhsNumber';
import { DateTimeScalar, NhsNumberScalar } from './scalars';

/**
 * Subscriptions bring their own event streams (src/events/eventStream.ts); type-graphql
 * still asks for a topic-based PubSub, which nothing in the hub uses.
 */
const NO_TOPIC_PUBSUB = {
  publish(): void {
    throw new Error('Topic-based publishing is not used; events go through the EventBus');
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error('Topic-based subscriptions are not used; resolvers supply their own streams');
  },
};

export async function buildHubSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [
      { type: Date, scalar: DateTimeScalar },
      { type: NhsNumber, scalar: NhsNumberScalar },
    ],
    validate: false,
    authChecker: roleAuthChecker,
    authMode: 'error',
    globalMiddlewares: [refuseRestrictedPatientFields, auditPatientDataReads],
    pubSub: NO_TOPIC_PUBSUB,
  });
}

/** The SDL committed at schema/schema.graphql: sorted, so it changes only when the API does. */
export function printHubSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
