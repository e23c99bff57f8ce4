/**
 * Writes the served schemas (npm run schema:emit): the plain API to schema/schema.graphql
 * and the Federation 2 subgraph SDL to subgraph.graphql beside it.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildHubSchema, printHubSchema } from '../src/graphql/schema';
import { buildHubSubgraphSchema, printHubSubgraphSchema } from '../src/graphql/subgraphSchema';

buildHubSchema()
  .then((schema) => {
    const target = process.argv[2] ?? join(process.cwd(), 'schema', 'schema.graphql');
    writeFileSync(target, printHubSchema(schema));
    const subgraphTarget = join(dirname(target), 'subgraph.graphql');
    writeFileSync(subgraphTarget, printHubSubgraphSchema(buildHubSubgraphSchema(schema)));
    console.log(`schema written to ${target} and ${subgraphTarget}`);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
