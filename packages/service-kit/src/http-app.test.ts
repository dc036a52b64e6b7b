import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, createLogger } from '@segflow/observability';
import type { Logger } from '@segflow/observability';
import type { HttpApp } from './http-app.js';
import { buildApp } from './run.js';
import type { ServiceModule } from './service.js';
import { expectProblem as problem } from '@segflow/testkit/problems';

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
    app.get('/v1/segments', { config: { scope: 'segments:read' }, schema: {} }, async () => ({ segments: [] }));
    app.post('/v1/ops/recompute', { config: { scope: 'ops:read' }, schema: {} }, async (request) => ({ body: request.body ?? null }));
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

// Positional, for the many cases below.
const expectProblem = (answer: Parameters<typeof problem>[0], code: string, status: number, instance: string, detail?: unknown) =>
  problem(answer, { code, status, instance, detail }).errors;

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

  it('answers 414 as a problem for a path segment past the limit', async () => {
    const app = await appWith();
    const url = `/v1/customers/${'x'.repeat(2_049)}`;
    expectProblem(await app.inject({ method: 'GET', url }), 'uri_too_long', 414, url, 'a path segment is longer than 2048 characters');
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
    expectProblem(await app.inject({ method: 'GET', url }), 'invalid_url', 400, url.split('?')[0]!, expect.stringMatching(/control character|percent-encoding/));
  });

  it('answers 400 for invalid percent-encoding in a path parameter', async () => {
    const app = await appWith();
    expectProblem(await app.inject({ method: 'GET', url: '/v1/customers/%E0%A4%A' }), 'invalid_url', 400, '/v1/customers/%E0%A4%A', expect.stringContaining('percent-encoding'));
  });

  it('still serves ids and cursors with spaces, non-Latin letters and emoji', async () => {
    const app = await appWith();
    const id = 'Zoë Ångström 李 😀';
    expect((await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(id)}` })).json()).toEqual({ customerId: id });
    expect((await app.inject({ method: 'GET', url: '/v1/segments/x/members?cursor=a%20b%2Bc' })).json()).toEqual({ cursor: 'a b+c' });
  });
});

describe("fastify's own errors", () => {
  const post = (app: HttpApp, payload: string | undefined, contentType: string, url = '/v1/segments') =>
    app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload }), headers: { 'content-type': contentType } });

  it('come out as problems named after their status', async () => {
    const app = await appWith();
    expectProblem(await post(app, '{"name":', 'application/json'), 'invalid_json', 400, '/v1/segments');
    expectProblem(await post(app, 'name=x', 'text/csv'), 'unsupported_media_type', 415, '/v1/segments');
    expectProblem(await app.inject({ method: 'GET', url: '/v2/nothing?x=1' }), 'not_found', 404, '/v2/nothing', 'no route GET /v2/nothing');
  });

  it('answer 400 with each invalid field by its path', async () => {
    const app = await appWith();
    const errors = expectProblem(await post(app, '{"name":7}', 'application/json'), 'validation_failed', 400, '/v1/segments', 'body.name: Invalid input: expected string, received number');
    expect(errors).toEqual([{ path: 'body.name', message: 'Invalid input: expected string, received number' }]);
  });

  it('answer 413 for a body past 1 MiB', async () => {
    const app = await appWith();
    expectProblem(await post(app, JSON.stringify({ name: 'x'.repeat(1_800_000) }), 'application/json'), 'payload_too_large', 413, '/v1/segments', 'the body is larger than 1048576 bytes');
  });

  it('answer 413 over HTTP too, before the body has arrived', async () => {
    const app = await appWith();
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/segments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(1_800_000) }),
      });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      // Members in the order of the schema, whichever path sent the problem.
      expect(Object.keys((await response.json()) as object)).toEqual(['type', 'title', 'status', 'detail', 'instance', 'code']);
    } finally {
      await app.close();
    }
  });

  it('answer 415 for a text/plain body rather than trying it against the schema', async () => {
    const app = await appWith();
    expectProblem(await post(app, '{"name":"x"}', 'text/plain'), 'unsupported_media_type', 415, '/v1/segments', 'the body must be application/json');
  });

  it('take a request with a JSON content type and no body as one without a body', async () => {
    const app = await appWith();
    const erase = await app.inject({ method: 'DELETE', url: '/v1/customers/c-1', headers: { 'content-type': 'application/json' } });
    expect(erase.statusCode).toBe(200);
    expect(erase.json()).toEqual({ erased: 'c-1' });
    const recompute = await post(app, undefined, 'application/json', '/v1/ops/recompute');
    expect(recompute.statusCode).toBe(200);
    expect(recompute.json()).toEqual({ body: null });
    // A route that needs a body says what is missing.
    expect(expectProblem(await post(app, undefined, 'application/json'), 'validation_failed', 400, '/v1/segments')).toEqual([{ path: 'body', message: expect.any(String) }]);
  });

  it('answer 405 with Allow for a path that exists under other methods', async () => {
    const app = await appWith();
    const patch = await app.inject({ method: 'PATCH', url: '/v1/segments' });
    expectProblem(patch, 'method_not_allowed', 405, '/v1/segments', '/v1/segments takes GET, HEAD, POST, not PATCH');
    expect(patch.headers.allow).toBe('GET, HEAD, POST');
    const put = await app.inject({ method: 'PUT', url: '/v1/customers/c-1', payload: {} });
    expectProblem(put, 'method_not_allowed', 405, '/v1/customers/c-1');
    expect(put.headers.allow).toBe('GET, HEAD, DELETE');
  });

  it('describe each problem type where its type URI resolves', async () => {
    const app = await appWith();
    const page = await app.inject({ method: 'GET', url: '/problems/precondition-failed' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<h1>The resource has changed</h1>');
    expect(page.body).toContain('HTTP 412');
    expectProblem(await app.inject({ method: 'GET', url: '/problems/no-such-thing' }), 'not_found', 404, '/problems/no-such-thing');
  });

  it('answers 431 as a problem when the request headers are too large', async () => {
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
      expect(raw).toContain('Content-Type: application/problem+json');
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({
        type: '/problems/headers-too-large',
        title: 'The request headers are too large',
        status: 431,
        detail: expect.any(String),
        code: 'headers_too_large',
      });
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
    expectProblem(response, 'unavailable', 503, `/v1/fail/${kind}`, 'a service this request needs is unavailable; retry later');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('answer 503 with the code and message of an AppError with status 503', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: '/v1/fail/app-503' });
    expectProblem(response, 'unavailable', 503, '/v1/fail/app-503', 'the segment cache is being rebuilt');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('leave deterministic failures alone: 500 for a bug or a data error, the status of an AppError', async () => {
    const app = await appWith();
    for (const kind of ['bug', 'pg-data']) {
      const response = await app.inject({ method: 'GET', url: `/v1/fail/${kind}` });
      expectProblem(response, 'internal', 500, `/v1/fail/${kind}`, 'internal error');
      expect(response.headers['retry-after'], kind).toBeUndefined();
    }
    expectProblem(await app.inject({ method: 'GET', url: '/v1/fail/app-409' }), 'conflict', 409, '/v1/fail/app-409', 'segment exists');
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
