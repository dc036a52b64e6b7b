import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, openApiDocument } from './openapi.js';

// `pnpm openapi`: writes the OpenAPI document `pnpm start` serves at /docs/json to
// packages/contracts/openapi.json, the copy clients are generated from.
writeFileSync(OPENAPI_FILE, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
console.log(`wrote ${OPENAPI_FILE}`);
