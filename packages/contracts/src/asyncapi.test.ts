import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument, JSON_SCHEMA_2020_12 } from './asyncapi.js';
import { checkAsyncApi, jsonSchemaValidator } from './checks.js';
import { jsonSchemas, SCHEMA_NAMES } from './json-schemas.js';
import { DEFAULT_PUBLIC_URL, schemaUrl } from './public-urls.js';
import { topicsFor } from './topics.js';

const root = join(import.meta.dirname, '..');
const committed = JSON.parse(readFileSync(join(root, 'asyncapi.json'), 'utf8'));
// The checked-in JSON Schemas, by the URL `pnpm start` serves each at.
const files = new Map(SCHEMA_NAMES.map((name) => [schemaUrl(DEFAULT_PUBLIC_URL, name), readFileSync(join(root, 'json-schema', `${name}.json`), 'utf8')]));

type Message = { payload: { schemaFormat?: string; schema?: { $ref: string } }; examples?: { payload: unknown }[] };
const messagesOf = (doc: ReturnType<typeof asyncApiDocument>) => Object.entries(doc.components.messages) as [string, Message][];

describe('AsyncAPI document', () => {
  it('matches the committed asyncapi.json (run `pnpm schemas` after changing a contract)', () => {
    expect(committed).toEqual(asyncApiDocument());
  });

  it('parses with @asyncapi/parser with no error, its payload schemas resolved from the checked-in files', async () => {
    const { errors, diagnostics } = await checkAsyncApi(committed, (url) => files.get(url));
    expect(errors).toEqual([]);
    // Only the hint that AsyncAPI 3.1 exists: no warning either.
    expect(diagnostics.map((d) => d.code)).toEqual(['asyncapi-latest-version']);
  });

  it('reports a broken payload schema as an error', async () => {
    const broken = (url: string) => (url.endsWith('/purchase-event.json') ? JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'nonsense' }) : files.get(url));
    const { errors } = await checkAsyncApi(committed, broken);
    expect(errors.map((e) => e.message).join('\n')).toContain('not a valid JSON Schema 2020-12');
  });

  it('has a channel for every topic segflow reads or writes, under the namespace', () => {
    const doc = asyncApiDocument({ publicUrl: 'https://segflow.example.com', namespace: 'qa.', kafkaBrokers: ['kafka-1:9092', 'kafka-2:9092'] });
    expect(Object.values(doc.channels).map((c) => c.address).sort()).toEqual(Object.values(topicsFor('qa.')).sort());
    expect(doc.operations.receiveProfileChanges.bindings.kafka.groupId.enum).toEqual(['qa.segflow-segment']);
    expect(doc.servers.kafka.host).toBe('kafka-1:9092');
  });

  it('references the served JSON Schemas by their $id, under the public URL', () => {
    const served = jsonSchemas('https://segflow.example.com');
    const ids = new Set(Object.values(served).map((s) => s.$id));
    const payloads = messagesOf(asyncApiDocument({ publicUrl: 'https://segflow.example.com', namespace: '', kafkaBrokers: ['k:9092'] }))
      .filter(([, m]) => m.payload.schemaFormat === JSON_SCHEMA_2020_12)
      .map(([, m]) => m.payload.schema!.$ref);
    expect(payloads).toHaveLength(8);
    for (const ref of payloads) expect(ids).toContain(ref);
  });

  it('gives examples that are valid against their payload schema', () => {
    const ajv = jsonSchemaValidator();
    const schemas = jsonSchemas();
    for (const schema of Object.values(schemas)) ajv.addSchema(schema);
    let checked = 0;
    for (const [id, message] of messagesOf(asyncApiDocument())) {
      for (const example of message.examples ?? []) {
        const validate = ajv.getSchema(message.payload.schema!.$ref)!;
        expect(validate(example.payload), `${id}: ${JSON.stringify(validate.errors)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(6);
  });
});
