import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemaValidator } from './checks.js';
import { jsonSchemas, SCHEMA_NAMES } from './json-schemas.js';
import { DEFAULT_PUBLIC_URL } from './public-urls.js';

describe('JSON Schema export', () => {
  it('matches the committed files (run `pnpm schemas` after changing a contract)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'json-schema', `${name}.json`), 'utf8'));
      expect(committed, name).toEqual(schema);
    }
  });

  it('gives every schema an absolute $id under the public URL it is served from', () => {
    expect(jsonSchemas()['membership-event'].$id).toBe(`${DEFAULT_PUBLIC_URL}/schemas/membership-event.json`);
    const served = jsonSchemas('https://segflow.example.com/api');
    for (const name of SCHEMA_NAMES) expect(served[name].$id).toBe(`https://segflow.example.com/api/schemas/${name}.json`);
  });

  it('writes valid JSON Schema 2020-12 that ajv compiles in strict mode', () => {
    const ajv = jsonSchemaValidator();
    for (const schema of Object.values(jsonSchemas())) {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(() => ajv.compile(schema), schema.$id).not.toThrow();
    }
  });

  it('describes the rule grammar recursively', () => {
    const rule = jsonSchemas().rule as unknown as { anyOf: unknown[] };
    expect(rule.anyOf).toHaveLength(4);
    expect(JSON.stringify(rule)).toContain('"$ref":"#"');
  });
});
