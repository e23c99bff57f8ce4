/** The committed schema/subgraph.graphql must be exactly the SDL the subgraph reports. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { buildHubSchema } from '../../src/graphql/schema';
import { buildHubSubgraphSchema, printHubSubgraphSchema } from '../../src/graphql/subgraphSchema';

const SUBGRAPH_FILE = join(__dirname, '..', '..', 'schema', 'subgraph.graphql');

describe('schema/subgraph.graphql', () => {
  it('matches the subgraph SDL the resolvers build', async () => {
    const served = printHubSubgraphSchema(buildHubSubgraphSchema(await buildHubSchema()));
    const committed = readFileSync(SUBGRAPH_FILE, 'utf8');
    if (served !== committed) {
      throw new Error('schema/subgraph.graphql is out of date with the resolvers: run `npm run schema:emit` and commit the result.');
    }
    expect(served).toBe(committed);
  });

  it('composes on its own into a supergraph (what `rover supergraph compose` checks)', () => {
    const result = composeServices([{ name: 'messaging', url: 'http://127.0.0.1:4000/subgraph', typeDefs: parse(readFileSync(SUBGRAPH_FILE, 'utf8')) }]);
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toContain('type Patient');
  });
});
