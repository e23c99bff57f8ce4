/** Builds the executable schema from the resolver classes and prints it as stable SDL. */
import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { RESOLVERS } from '../../resolvers';
import { roleAuthChecker } from '../auth/authChecker';
import { auditPatientDataReads } from './auditMiddleware';
import './enums';
import { DateTimeScalar } from './scalars';

export async function buildHubSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    authChecker: roleAuthChecker,
    authMode: 'error',
    globalMiddlewares: [auditPatientDataReads],
  });
}

/** The SDL committed at schema/schema.graphql: sorted, so it changes only when the API does. */
export function printHubSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
