/** Writes the served schema to schema/schema.graphql (npm run schema:emit). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHubSchema, printHubSchema } from '../src/graphql/schema';

buildHubSchema()
  .then((schema) => {
    const target = process.argv[2] ?? join(process.cwd(), 'schema', 'schema.graphql');
    writeFileSync(target, printHubSchema(schema));
    console.log(`schema written to ${target}`);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
