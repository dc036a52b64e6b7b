import { describe, expect, it } from 'vitest';
import { asyncApiDocument, jsonSchemas } from '@segflow/contracts';
import { createLogger } from '@segflow/observability';
import { buildApp } from './run.js';

const contracts = { publicUrl: 'https://segflow.example.com/api', namespace: 'qa.', kafkaBrokers: ['kafka:9092'] };

describe('contract documents', () => {
  it('serve the AsyncAPI document and every JSON Schema under the public URL, without an API key', async () => {
    const app = await buildApp({ log: createLogger({ level: 'silent' }), title: 'test', modules: [], apiKeys: [{ name: 'crm', key: 'a-key-of-sixteen-chars', scopes: ['*'] }], contracts });

    const asyncapi = await app.inject({ method: 'GET', url: '/docs/asyncapi.json' });
    expect(asyncapi.statusCode).toBe(200);
    expect(asyncapi.headers['content-type']).toMatch(/^application\/json/);
    expect(asyncapi.headers['access-control-allow-origin']).toBe('*');
    expect(asyncapi.json()).toEqual(asyncApiDocument(contracts));
    expect(asyncapi.json().channels.segmentMembership.address).toBe('qa.segment-membership.v1');

    const index = (await app.inject({ method: 'GET', url: '/schemas' })).json() as { schemas: string[] };
    for (const [name, schema] of Object.entries(jsonSchemas(contracts.publicUrl))) {
      expect(index.schemas).toContain(schema.$id);
      const response = await app.inject({ method: 'GET', url: `/schemas/${name}.json` });
      expect(response.statusCode, name).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/schema\+json/);
      expect(response.json().$id).toBe(`https://segflow.example.com/api/schemas/${name}.json`);
    }

    expect((await app.inject({ method: 'GET', url: '/schemas/nothing.json' })).statusCode).toBe(404);
    await app.close();
  });
});
