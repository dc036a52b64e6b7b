import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { asyncApiDocument, jsonSchemas, schemaUrl, SCHEMA_NAMES } from '@segflow/contracts';
import type { AsyncApiSettings } from '@segflow/contracts';

// Public documents: tools in a browser (AsyncAPI Studio, schema validators) load them from
// another origin.
const shared = (reply: FastifyReply, type: string) =>
  reply.type(type).header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');

/**
 * `GET /docs/asyncapi.json` (AsyncAPI 3.0 of every topic segflow reads or writes),
 * `GET /schemas/<name>.json` (the JSON Schemas its messages reference, each with its
 * `$id` under the deployment's public URL) and `GET /schemas` (their URLs). Built once,
 * open like `/docs`, and not part of the OpenAPI document.
 */
export const contractRoutes =
  (settings: AsyncApiSettings): FastifyPluginAsync =>
  async (app) => {
    const asyncapi = JSON.stringify(asyncApiDocument(settings));
    const schemas = new Map(Object.entries(jsonSchemas(settings.publicUrl)).map(([name, schema]) => [`${name}.json`, JSON.stringify(schema)]));
    const index = JSON.stringify({ schemas: SCHEMA_NAMES.map((name) => schemaUrl(settings.publicUrl, name)) });

    app.get('/docs/asyncapi.json', { schema: { hide: true } }, async (_request, reply) => shared(reply, 'application/json').send(asyncapi));
    app.get('/schemas', { schema: { hide: true } }, async (_request, reply) => shared(reply, 'application/json').send(index));
    // One route per schema, so that any other name gets the app's own 404.
    for (const [file, schema] of schemas) {
      app.get(`/schemas/${file}`, { schema: { hide: true } }, async (_request, reply) => shared(reply, 'application/schema+json').send(schema));
    }
  };
