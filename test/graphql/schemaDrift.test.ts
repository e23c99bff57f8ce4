/** The committed schema/schema.graphql must be exactly the schema the server builds. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { buildHubSchema, printHubSchema } from '../../src/graphql/schema';

const SCHEMA_FILE = join(__dirname, '..', '..', 'schema', 'schema.graphql');

describe('schema/schema.graphql', () => {
  it('matches the schema the resolvers build', async () => {
    const served = printHubSchema(await buildHubSchema());
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (served !== committed) {
      const servedLines = served.split('\n');
      const committedLines = committed.split('\n');
      const line = servedLines.findIndex((text, i) => text !== committedLines[i]);
      throw new Error(
        'schema/schema.graphql is out of date with the resolvers: run `npm run schema:emit` and commit the result.\n' +
          `First difference at line ${line + 1}:\n  committed: ${JSON.stringify(committedLines[line])}\n  served:    ${JSON.stringify(servedLines[line])}`,
      );
    }
    expect(served).toBe(committed);
  });

  it('is printed in a stable order, types sorted by name', async () => {
    const first = printHubSchema(await buildHubSchema());
    const second = printHubSchema(await buildHubSchema());
    expect(second).toBe(first);
    // valid SDL that another tool can build a schema from
    expect(() => buildSchema(first)).not.toThrow();
    const typeNames = first.match(/^(?:type|input|enum|scalar) (\w+)/gm)!.map((declaration) => declaration.split(' ')[1]);
    expect(typeNames).toEqual([...typeNames].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});
