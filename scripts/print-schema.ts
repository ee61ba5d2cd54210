// Prints the Pothos schema to schema.graphql (npm run schema:print); a test fails when the
// committed file differs from what this prints.

import { writeFileSync } from 'node:fs';
import { printSchemaFile } from '../src/schema/print.ts';

const target = new URL('../schema.graphql', import.meta.url);
writeFileSync(target, printSchemaFile());
process.stdout.write(`wrote ${target.pathname}\n`);
