import { readFile, writeFile } from 'node:fs/promises';
import { clientTypes, OPENAPI_DOCUMENT, TYPES_FILE } from '../src/generate.js';

// Rewrites the client's types from the checked-in OpenAPI document (`pnpm openapi` writes that).
const document = JSON.parse(await readFile(OPENAPI_DOCUMENT, 'utf8')) as object;
await writeFile(TYPES_FILE, await clientTypes(document));
console.log(`wrote ${TYPES_FILE}`);
