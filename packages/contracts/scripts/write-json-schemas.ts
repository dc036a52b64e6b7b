// `pnpm schemas`: writes packages/contracts/json-schema/*.json and asyncapi.json from the
// zod contracts, for the default public URL (see DEFAULT_PUBLIC_URL); a deployment serves
// the same documents under its own SEGFLOW_PUBLIC_URL.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument, jsonSchemas } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'json-schema');
const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
mkdirSync(dir, { recursive: true });
const schemas = jsonSchemas();
for (const [name, schema] of Object.entries(schemas)) writeFileSync(join(dir, `${name}.json`), pretty(schema));
// A contract that is no longer published leaves no file behind.
for (const file of readdirSync(dir)) if (file.endsWith('.json') && !(file.slice(0, -5) in schemas)) rmSync(join(dir, file));
writeFileSync(join(root, 'asyncapi.json'), pretty(asyncApiDocument()));
console.log(`wrote ${Object.keys(schemas).length} schemas to ${dir} and ${join(root, 'asyncapi.json')}`);
