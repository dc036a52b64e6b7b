import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { clientTypes, OPENAPI_DOCUMENT, TYPES_FILE } from './generate.js';

describe('the typed client', () => {
  it('is generated from the checked-in OpenAPI document as it is now (run `pnpm client` after `pnpm openapi`)', async () => {
    const document = JSON.parse(await readFile(OPENAPI_DOCUMENT, 'utf8')) as object;
    expect(await readFile(TYPES_FILE, 'utf8')).toBe(await clientTypes(document));
  });
});
