import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from './json-schemas.js';

describe('JSON Schema export', () => {
  it('matches the committed files (run `pnpm schemas` after changing a contract)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'json-schema', `${name}.json`), 'utf8'));
      expect(committed, name).toEqual(schema);
    }
  });

  it('describes the rule grammar recursively', () => {
    const rule = jsonSchemas().rule as { anyOf: unknown[] };
    expect(rule.anyOf).toHaveLength(4);
    expect(JSON.stringify(rule)).toContain('"$ref":"#"');
  });
});
