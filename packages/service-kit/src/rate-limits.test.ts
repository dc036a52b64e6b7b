import { describe, expect, it } from 'vitest';
import { createLogger } from '@segflow/observability';
import type { ApiKey } from './auth.js';
import type { HttpApp } from './http-app.js';
import type { RateLimitSettings } from './rate-limits.js';
import { buildApp } from './run.js';
import type { ServiceModule } from './service.js';

const log = createLogger({ level: 'silent' });

const things: ServiceModule = {
  name: 'test',
  routes: async (instance) => {
    const app = instance as unknown as HttpApp;
    app.get('/v1/things', { config: { scope: 'segments:read' }, schema: {} }, async () => ({ things: [] }));
  },
  start: async () => undefined,
  stop: async () => undefined,
  alive: () => true,
  readiness: [],
};

const keys: ApiKey[] = [
  { name: 'crm', key: 'crm-key-0123456789abcdef', scopes: ['*'] },
  { name: 'dashboard', key: 'dashboard-key-0123456789', scopes: ['*'] },
];

const appWith = (rateLimit: RateLimitSettings, apiKeys: ApiKey[] | null = keys) => buildApp({ log, title: 'test', modules: [things], apiKeys, rateLimit });

const get = async (app: HttpApp, url: string, options: { key?: string; from?: string } = {}) => {
  const response = await app.inject({
    method: 'GET',
    url,
    headers: options.key === undefined ? {} : { authorization: `Bearer ${options.key}` },
    remoteAddress: options.from ?? '198.51.100.7',
  });
  const json = /^application\/(problem\+)?json/.test((response.headers['content-type'] ?? '').toString());
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: json ? (response.json() as unknown) : response.body };
};

const statuses = async (n: number, call: () => Promise<{ status: number }>) => {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await call()).status);
  return seen;
};

describe('rate limits', () => {
  it('give each API key its own budget per minute, then answer 429 with Retry-After as a problem', async () => {
    const app = await appWith({ perMinute: 3, failedAuthPerMinute: 60 });

    expect(await statuses(3, () => get(app, '/v1/things', { key: 'crm-key-0123456789abcdef' }))).toEqual([200, 200, 200]);
    const over = await get(app, '/v1/things', { key: 'crm-key-0123456789abcdef', from: '203.0.113.50' });
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
    expect(over.body).toEqual({
      type: '/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: expect.stringContaining('more than 3 requests in a minute'),
      instance: '/v1/things',
      code: 'rate_limited',
    });

    // Another key from the same address has a budget of its own.
    expect((await get(app, '/v1/things', { key: 'dashboard-key-0123456789' })).status).toBe(200);
  });

  it('count requests without a key per client address on an open API', async () => {
    const app = await appWith({ perMinute: 2, failedAuthPerMinute: 60 }, null);
    expect(await statuses(3, () => get(app, '/v1/things', { from: '198.51.100.1' }))).toEqual([200, 200, 429]);
    expect((await get(app, '/v1/things', { from: '198.51.100.2' })).status).toBe(200);
    // Requests no route matches count as well.
    expect((await get(app, '/nowhere', { from: '198.51.100.2' })).status).toBe(404);
    expect((await get(app, '/nowhere', { from: '198.51.100.2' })).status).toBe(429);
  });

  it('give failed authentications a small budget per address, after which the address gets 429 whatever key it shows', async () => {
    const app = await appWith({ perMinute: 1_000, failedAuthPerMinute: 3 });
    const attacker = '203.0.113.66';

    expect(await statuses(3, () => get(app, '/v1/things', { key: 'guess-0123456789abcdef', from: attacker }))).toEqual([401, 401, 401]);
    const blocked = await get(app, '/v1/things', { key: 'guess-0123456789abcdef', from: attacker });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    expect(blocked.body).toMatchObject({ status: 429, code: 'rate_limited', detail: expect.stringContaining('too many failed authentications') });
    // A right guess is not told apart from a wrong one any more.
    expect((await get(app, '/v1/things', { key: 'crm-key-0123456789abcdef', from: attacker })).status).toBe(429);
    expect((await get(app, '/v1/things', { from: attacker })).status).toBe(429);

    // Other addresses are not affected.
    expect((await get(app, '/v1/things', { key: 'crm-key-0123456789abcdef', from: '198.51.100.9' })).status).toBe(200);
    expect((await get(app, '/v1/things', { key: 'guess-0123456789abcdef', from: '198.51.100.9' })).status).toBe(401);
  });

  it('answer a flood of wrong keys with 429 after the failure budget', async () => {
    const app = await appWith({ perMinute: 6_000, failedAuthPerMinute: 60 });
    const seen = await statuses(200, () => get(app, '/v1/things', { key: 'wrong-key-0123456789abcd' }));
    expect(seen.filter((s) => s === 401)).toHaveLength(60);
    expect(seen.slice(60).every((s) => s === 429)).toBe(true);
  });

  it('exempt health, readiness and metrics', async () => {
    const app = await appWith({ perMinute: 2, failedAuthPerMinute: 1 });
    for (const url of ['/healthz', '/readyz', '/metrics']) expect(await statuses(5, () => get(app, url)), url).toEqual([200, 200, 200, 200, 200]);
  });

  it('can be turned off', async () => {
    const app = await buildApp({ log, title: 'test', modules: [things], apiKeys: null, rateLimit: false });
    expect(new Set(await statuses(50, () => get(app, '/v1/things')))).toEqual(new Set([200]));
  });
});
