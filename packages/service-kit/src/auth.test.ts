import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@segflow/observability';
import { apiKeysEnv } from './auth.js';
import type { ApiKey } from './auth.js';
import type { HttpApp } from './http-app.js';
import { buildApp } from './run.js';
import type { ServiceModule } from './service.js';

const log = createLogger({ level: 'silent' });

const module = (routes: (app: HttpApp) => void): ServiceModule => ({
  name: 'test',
  routes: async (app) => routes(app as unknown as HttpApp),
  start: async () => undefined,
  stop: async () => undefined,
  alive: () => true,
  readiness: [],
});

const segmentRoutes = module((app) => {
  app.get('/v1/things', { config: { scope: 'segments:read' }, schema: {} }, async () => ({ things: [] }));
  app.post('/v1/things', { config: { scope: 'segments:write' }, schema: {} }, async (_request, reply) => reply.code(201).send({ created: true }));
});

const keys: ApiKey[] = [
  { name: 'dashboard', key: 'read-only-key-0123456789', scopes: ['segments:read'] },
  { name: 'admin', key: 'admin-key-0123456789abcdef', scopes: ['*'] },
];

const call = async (app: HttpApp, method: 'GET' | 'POST', url: string, key?: string) => {
  const response = await app.inject({ method, url, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  return { status: response.statusCode, body: response.json() as unknown, challenge: response.headers['www-authenticate'], type: response.headers['content-type'] };
};

describe('API keys and scopes', () => {
  it('answers 401 without a known key, 403 without the scope, and serves a key holding it', async () => {
    const app = await buildApp({ log, title: 'test', modules: [segmentRoutes], apiKeys: keys });

    expect(await call(app, 'GET', '/v1/things')).toEqual({
      status: 401,
      challenge: 'Bearer',
      type: 'application/problem+json; charset=utf-8',
      body: {
        type: '/problems/unauthorized',
        title: 'An API key is needed',
        status: 401,
        detail: 'expected Authorization: Bearer <key>',
        instance: '/v1/things',
        code: 'unauthorized',
      },
    });
    expect(await call(app, 'GET', '/v1/things', 'not-a-configured-key')).toMatchObject({ status: 401, body: { code: 'unauthorized', detail: 'unknown API key' } });
    expect(await call(app, 'GET', '/v1/things', 'read-only-key-0123456789')).toMatchObject({ status: 200, challenge: undefined, body: { things: [] } });
    expect(await call(app, 'POST', '/v1/things', 'read-only-key-0123456789')).toMatchObject({
      status: 403,
      type: 'application/problem+json; charset=utf-8',
      body: { type: '/problems/forbidden', status: 403, code: 'forbidden', detail: 'API key dashboard lacks the scope segments:write', instance: '/v1/things' },
    });
    expect((await call(app, 'POST', '/v1/things', 'admin-key-0123456789abcdef')).status).toBe(201);
  });

  it('keeps health, metrics and the API description open', async () => {
    const app = await buildApp({ log, title: 'test', modules: [segmentRoutes], apiKeys: keys });
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });

  it('documents each route with its scope in OpenAPI', async () => {
    const app = await buildApp({ log, title: 'test', modules: [segmentRoutes], apiKeys: null });
    await app.ready();
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    expect(spec.components.securitySchemes).toMatchObject({ apiKey: { type: 'http', scheme: 'bearer' } });
    expect(spec.paths['/v1/things']?.get?.security).toEqual([{ apiKey: ['segments:read'] }]);
    expect(spec.paths['/v1/things']?.post?.security).toEqual([{ apiKey: ['segments:write'] }]);
  });

  it('serves every route when no keys are configured', async () => {
    const app = await buildApp({ log, title: 'test', modules: [segmentRoutes], apiKeys: null });
    expect((await call(app, 'POST', '/v1/things')).status).toBe(201);
  });

  it('refuses at start a /v1 route that declares no scope', async () => {
    const unscoped = module((app) => {
      app.get('/v1/open', { schema: {} }, async () => ({}));
    });
    await expect(buildApp({ log, title: 'test', modules: [unscoped] })).rejects.toThrow('route GET /v1/open declares no scope');
  });
});

describe('SEGFLOW_API_KEYS', () => {
  const parse = (value: string | undefined) => z.object({ SEGFLOW_API_KEYS: apiKeysEnv }).safeParse({ SEGFLOW_API_KEYS: value });

  it('reads a JSON list of keys, and nothing when unset or blank', () => {
    expect(parse('[{"name":"ci","key":"0123456789abcdef","scopes":["ops:read"]}]')).toMatchObject({
      success: true,
      data: { SEGFLOW_API_KEYS: [{ name: 'ci', key: '0123456789abcdef', scopes: ['ops:read'] }] },
    });
    expect(parse(undefined)).toMatchObject({ success: true, data: { SEGFLOW_API_KEYS: null } });
    expect(parse('  ')).toMatchObject({ success: true, data: { SEGFLOW_API_KEYS: null } });
  });

  it('rejects bad JSON, short keys and unknown scopes with a reason', () => {
    const message = (value: string) => {
      const result = parse(value);
      return result.success ? 'accepted' : result.error.issues.map((i) => i.message).join('; ');
    };
    expect(message('{not json')).toContain('expected JSON');
    expect(message('[{"name":"ci","key":"short","scopes":["ops:read"]}]')).toContain('at least 16 characters');
    expect(message('[{"name":"ci","key":"0123456789abcdef","scopes":["ops:write"]}]')).not.toBe('accepted');
    expect(message('[]')).not.toBe('accepted');
  });
});
