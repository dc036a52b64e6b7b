import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, createLogger } from '@segflow/observability';
import type { Logger } from '@segflow/observability';
import type { HttpApp } from './http-app.js';
import { buildApp } from './run.js';
import type { ServiceModule } from './service.js';

const silent = createLogger({ level: 'silent' });

/** A pg error as the driver throws it: the row that failed sits in detail, where and parameters. */
const pgError = (code: string) =>
  Object.assign(new Error(code === '57P01' ? 'terminating connection due to administrator command' : 'pg failure'), {
    name: 'error',
    code,
    detail: 'Failing row contains (jane.doe@example.com, {"traits":{"firstName":"Jane"}})',
    where: 'PL/pgSQL function upsert_profile',
    parameters: ['jane.doe@example.com'],
  });

const failures: Record<string, () => unknown> = {
  'pg-shutdown': () => pgError('57P01'),
  'pg-data': () => pgError('22P05'),
  refused: () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' }),
  'kafka-down': () => Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError', retriable: true }),
  'app-503': () => new AppError('unavailable', 'the segment cache is being rebuilt', { status: 503, retriable: true }),
  'app-409': () => new AppError('conflict', 'segment exists', { status: 409 }),
  bug: () => new TypeError("Cannot read properties of undefined (reading 'id')"),
};

const testRoutes: ServiceModule = {
  name: 'test',
  routes: async (instance) => {
    const app = instance as unknown as HttpApp;
    const params = z.object({ id: z.string() });
    app.get('/v1/customers/:id', { config: { scope: 'customers:read' }, schema: { params } }, async (request) => ({ customerId: request.params.id }));
    app.delete('/v1/customers/:id', { config: { scope: 'customers:erase' }, schema: { params } }, async (request) => ({ erased: request.params.id }));
    app.get('/v1/segments/:id/members', { config: { scope: 'segments:read' }, schema: { params, querystring: z.object({ cursor: z.string().optional() }) } }, async (request) => ({
      cursor: request.query.cursor ?? null,
    }));
    app.post('/v1/segments', { config: { scope: 'segments:write' }, schema: { body: z.object({ name: z.string() }) } }, async (request) => ({ name: request.body.name }));
    app.get('/v1/fail/:kind', { config: { scope: 'ops:read' }, schema: { params: z.object({ kind: z.string() }) } }, async (request) => {
      throw failures[request.params.kind]!();
    });
  },
  start: async () => undefined,
  stop: async () => undefined,
  alive: () => true,
  readiness: [],
};

const appWith = (log: Logger = silent) => buildApp({ log, title: 'test', modules: [testRoutes] });

describe('customer ids in the path', () => {
  it('serves an id of 128 characters that are 3 bytes in UTF-8 each, percent-encoded', async () => {
    const app = await appWith();
    const id = '€'.repeat(128);
    const url = `/v1/customers/${encodeURIComponent(id)}`;
    expect(url.length).toBeGreaterThan(1_100);

    const got = await app.inject({ method: 'GET', url });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual({ customerId: id });
    expect((await app.inject({ method: 'DELETE', url })).json()).toEqual({ erased: id });
    expect((await app.inject({ method: 'GET', url: `/v1/customers/${'c'.repeat(128)}` })).statusCode).toBe(200);
  });

  it('answers 414 in the API shape for a path segment past the limit', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: `/v1/customers/${'x'.repeat(2_049)}` });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({ error: 'uri_too_long', message: 'a path segment is longer than 2048 characters' });
  });
});

describe('control characters and invalid text in the URL', () => {
  it.each([
    ['a NUL in a path parameter', '/v1/customers/a%00b'],
    ['a NUL in the query', '/v1/segments/x/members?cursor=%00'],
    ['a line feed in the query', '/v1/segments/x/members?cursor=a%0Ab'],
    ['DEL in a path parameter', '/v1/customers/a%7Fb'],
    ['an encoded lone surrogate', '/v1/customers/%ED%A0%80'],
    ['a truncated escape in the query', '/v1/segments/x/members?cursor=%E0%A4%A'],
    ['a NUL on a path no route matches', '/nowhere/%00'],
  ])('answers 400 for %s', async (_what, url) => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_url', message: expect.stringMatching(/control character|percent-encoding/) });
  });

  it('answers 400 for invalid percent-encoding in a path parameter', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: '/v1/customers/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_url', message: expect.stringContaining('percent-encoding') });
  });

  it('still serves ids and cursors with spaces, non-Latin letters and emoji', async () => {
    const app = await appWith();
    const id = 'Zoë Ångström 李 😀';
    expect((await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(id)}` })).json()).toEqual({ customerId: id });
    expect((await app.inject({ method: 'GET', url: '/v1/segments/x/members?cursor=a%20b%2Bc' })).json()).toEqual({ cursor: 'a b+c' });
  });
});

describe("fastify's own errors", () => {
  it('come out in the API error shape with an error named after their status', async () => {
    const app = await appWith();
    const post = (payload: string, contentType: string) => app.inject({ method: 'POST', url: '/v1/segments', payload, headers: { 'content-type': contentType } });

    const invalidJson = await post('{"name":', 'application/json');
    expect(invalidJson.statusCode).toBe(400);
    expect(invalidJson.json()).toEqual({ error: 'invalid_json', message: expect.any(String) });

    const tooLarge = await post(JSON.stringify({ name: 'x'.repeat(1_100_000) }), 'application/json');
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toEqual({ error: 'payload_too_large', message: expect.any(String) });

    const wrongType = await post('name=x', 'text/csv');
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json()).toEqual({ error: 'unsupported_media_type', message: expect.any(String) });

    const notFound = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toEqual({ error: 'not_found', message: 'no route GET /v2/nothing' });
  });

  it('answers 431 in the API shape when the request headers are too large', async () => {
    const app = await appWith();
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        });
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', (error) => (received === '' ? reject(error) : resolve(received)));
      });
      expect(raw).toMatch(/^HTTP\/1\.1 431 /);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ error: 'headers_too_large', message: expect.any(String) });
    } finally {
      await app.close();
    }
  });
});

describe('dependency outages', () => {
  it.each([
    ['Postgres shutting down (57P01)', 'pg-shutdown'],
    ['a refused connection', 'refused'],
    ['Kafka unreachable', 'kafka-down'],
  ])('answer 503 with Retry-After for %s', async (_what, kind) => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: `/v1/fail/${kind}` });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toEqual({ error: 'unavailable', message: 'a service this request needs is unavailable; retry later' });
  });

  it('answer 503 with the code and message of an AppError with status 503', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: '/v1/fail/app-503' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toEqual({ error: 'unavailable', message: 'the segment cache is being rebuilt' });
  });

  it('leave deterministic failures alone: 500 for a bug or a data error, the status of an AppError', async () => {
    const app = await appWith();
    for (const kind of ['bug', 'pg-data']) {
      const response = await app.inject({ method: 'GET', url: `/v1/fail/${kind}` });
      expect(response.statusCode, kind).toBe(500);
      expect(response.headers['retry-after'], kind).toBeUndefined();
      expect(response.json(), kind).toEqual({ error: 'internal', message: 'internal error' });
    }
    const conflict = await app.inject({ method: 'GET', url: '/v1/fail/app-409' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ error: 'conflict', message: 'segment exists' });
  });
});

describe('security headers', () => {
  it('are on API answers, errors included', async () => {
    const app = await appWith();
    for (const url of ['/healthz', '/v1/customers/c-1', '/v2/nothing', '/v1/customers/a%00b']) {
      const { headers } = await app.inject({ method: 'GET', url });
      expect(headers['x-content-type-options'], url).toBe('nosniff');
      expect(headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(headers['content-security-policy'], url).toContain("default-src 'self'");
    }
  });

  it('let the Swagger UI at /docs load its own scripts and styles over http', async () => {
    const app = await appWith();
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'self'[^;]*'unsafe-inline'/);
    expect(csp).not.toContain('upgrade-insecure-requests');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-initializer.js', 'swagger-ui.css']) {
      expect((await app.inject({ method: 'GET', url: `/docs/static/${asset}` })).statusCode, asset).toBe(200);
    }
  });
});

describe('request logs', () => {
  const capture = () => {
    const lines: { level: string; msg: string; [key: string]: unknown }[] = [];
    const log = createLogger({ level: 'debug', name: 'test' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    return { log, lines };
  };

  it('carry the route pattern, not the customer id in the URL or query, nor the detail of a database error', async () => {
    const { log, lines } = capture();
    const app = await appWith(log);
    await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent('jane.doe@example.com')}?utm=jane.doe@example.com` });
    await app.inject({ method: 'GET', url: '/v1/segments/s-1/members?cursor=jane.doe@example.com' });
    await app.inject({ method: 'GET', url: '/v1/fail/pg-data?email=jane.doe@example.com' });
    await app.inject({ method: 'GET', url: '/v1/fail/pg-shutdown' });
    await app.inject({ method: 'GET', url: '/v2/jane.doe@example.com' });

    const text = JSON.stringify(lines);
    expect(text).not.toContain('jane');
    expect(text).not.toContain('Jane');
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => (l.req as { route?: string }).route)).toEqual([
      '/v1/customers/:id',
      '/v1/segments/:id/members',
      '/v1/fail/:kind',
      '/v1/fail/:kind',
      undefined,
    ]);
    expect(lines.find((l) => l.msg === 'request failed')?.err).toMatchObject({ code: '22P05', message: 'pg failure' });
  });

  it('log a request that went well at debug, one that failed at info, and no "incoming request" line', async () => {
    const { log, lines } = capture();
    const app = await appWith(log);
    await app.inject({ method: 'GET', url: '/v1/customers/c-1' });
    await app.inject({ method: 'GET', url: '/v1/fail/app-409' });

    expect(lines.some((l) => l.msg === 'incoming request')).toBe(false);
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => [l.level, (l.res as { statusCode: number }).statusCode])).toEqual([
      ['debug', 200],
      ['info', 409],
    ]);
  });
});
