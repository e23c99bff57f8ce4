/**
 * The hub as an Apollo Federation 2 subgraph: the same types, fields and resolvers as the
 * plain schema (so @Authorized roles, scoping and audit apply unchanged), plus @key on the
 * entities a gateway can join on, `_entities` and `_service { sdl }`.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type ConstDirectiveNode, type DocumentNode, executeSync, type GraphQLSchema, Kind, parse, visit } from 'graphql';
import { createResolversMap } from 'type-graphql';
import { ENTITY_KEYS, ENTITY_REFERENCE_RESOLVERS } from '../../resolvers/entityReferences';
import { printHubSchema } from './schema';

/** A Federation version that Apollo Router and @apollo/gateway 2.x both understand. */
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.3';

const FEDERATION_LINK = parse(`extend schema @link(url: "${FEDERATION_SPEC}", import: ["@key"])`);

function keyDirective(fields: string): ConstDirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: 'key' },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'fields' }, value: { kind: Kind.STRING, value: fields } }],
  };
}

/** The hub's SDL (sorted, as committed) with @key on each entity and the federation @link. */
export function subgraphTypeDefs(hubSchema: GraphQLSchema): DocumentNode {
  const keyed = visit(parse(printHubSchema(hubSchema)), {
    ObjectTypeDefinition(node) {
      const fields = ENTITY_KEYS[node.name.value as keyof typeof ENTITY_KEYS];
      return fields ? { ...node, directives: [...(node.directives ?? []), keyDirective(fields)] } : undefined;
    },
  });
  return { kind: Kind.DOCUMENT, definitions: [...FEDERATION_LINK.definitions, ...keyed.definitions] };
}

export function buildHubSubgraphSchema(hubSchema: GraphQLSchema): GraphQLSchema {
  const resolvers = createResolversMap(hubSchema) as Record<string, Record<string, unknown>>;
  for (const [typeName, reference] of Object.entries(ENTITY_REFERENCE_RESOLVERS)) {
    resolvers[typeName] = { ...resolvers[typeName], ...reference };
  }
  return buildSubgraphSchema({ typeDefs: subgraphTypeDefs(hubSchema), resolvers: resolvers as never });
}

/** The SDL the subgraph reports in `_service { sdl }`, committed at schema/subgraph.graphql. */
export function printHubSubgraphSchema(subgraphSchema: GraphQLSchema): string {
  const result = executeSync({ schema: subgraphSchema, document: parse('{ _service { sdl } }') });
  const sdl = (result.data?._service as { sdl?: string } | undefined)?.sdl;
  if (!sdl) throw new Error(`the subgraph schema did not report its SDL: ${JSON.stringify(result.errors)}`);
  return sdl;
}
