import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '@segflow/observability';
import { uniqueName } from '@segflow/testkit';
import { buildApp } from '../src/index.js';
import type { ApiKey, HttpApp, ServiceModule } from '../src/index.js';

const log = createLogger({ level: 'silent' });
// As the services configure it: a command fails at once while Redis is down.
const failFast: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 500, commandTimeout: 500, lazyConnect: true };

const things: ServiceModule = {
  name: 'test',
  routes: async (instance) => {
    (instance as unknown as HttpApp).get('/v1/things', { config: { scope: 'segments:read' }, schema: {} }, async () => ({ things: [] }));
  },
  start: async () => undefined,
  stop: async () => undefined,
  alive: () => true,
  readiness: [],
};
const keys: ApiKey[] = [{ name: 'crm', key: 'crm-key-0123456789abcdef', scopes: ['*'] }];

const clients: Redis[] = [];
const redisClient = async (url: string) => {
  const redis = new Redis(url, failFast);
  redis.on('error', () => undefined); // the unreachable one keeps failing to connect
  clients.push(redis);
  await redis.connect().catch(() => undefined);
  return redis;
};
afterAll(() => {
  for (const client of clients) client.disconnect();
});

const call = async (app: HttpApp, key: string, from = '198.51.100.20') =>
  (await app.inject({ method: 'GET', url: '/v1/things', headers: { authorization: `Bearer ${key}` }, remoteAddress: from })).statusCode;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limits backed by Redis, every request counted in Redis (syncMs 0)', () => {
  it('share one budget between the instances of a deployment, and keep deployments apart', async () => {
    const keyPrefix = `${uniqueName('rl')}:`;
    const settings = { perMinute: 4, failedAuthPerMinute: 2, keyPrefix, syncMs: 0 };
    const one = await buildApp({ log, title: 'one', modules: [things], apiKeys: keys, rateLimit: settings, redis: await redisClient(inject('redisUrl')) });
    const two = await buildApp({ log, title: 'two', modules: [things], apiKeys: keys, rateLimit: settings, redis: await redisClient(inject('redisUrl')) });
    const other = await buildApp({
      log,
      title: 'other deployment',
      modules: [things],
      apiKeys: keys,
      rateLimit: { ...settings, keyPrefix: `${uniqueName('rl')}:` },
      redis: await redisClient(inject('redisUrl')),
    });

    const key = 'crm-key-0123456789abcdef';
    expect([await call(one, key), await call(two, key), await call(one, key), await call(two, key)]).toEqual([200, 200, 200, 200]);
    expect(await call(one, key)).toBe(429);
    expect(await call(two, key)).toBe(429);
    expect(await call(other, key)).toBe(200);

    // Failed authentications add up across instances too.
    const attacker = '203.0.113.77';
    expect([await call(one, 'guess-0123456789abcdef', attacker), await call(two, 'guess-0123456789abcdef', attacker)]).toEqual([401, 401]);
    expect(await call(one, 'guess-0123456789abcdef', attacker)).toBe(429);
    expect(await call(two, 'guess-0123456789abcdef', attacker)).toBe(429);
  });

  it('let requests through while Redis is unreachable rather than refuse everyone', async () => {
    const down = await redisClient('redis://127.0.0.1:1');
    const app = await buildApp({ log, title: 'test', modules: [things], apiKeys: keys, rateLimit: { perMinute: 1, failedAuthPerMinute: 1, syncMs: 0 }, redis: down });

    const started = performance.now();
    expect([await call(app, 'crm-key-0123456789abcdef'), await call(app, 'crm-key-0123456789abcdef')]).toEqual([200, 200]);
    expect([await call(app, 'guess-0123456789abcdef'), await call(app, 'guess-0123456789abcdef')]).toEqual([401, 401]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('rate limits backed by Redis, counts settled between instances every syncMs', () => {
  const syncMs = 50;
  const settled = () => sleep(4 * syncMs);

  it('share one budget between the instances, each seeing the others\' requests once they settled', async () => {
    const settings = { perMinute: 4, failedAuthPerMinute: 2, keyPrefix: `${uniqueName('rl')}:`, syncMs };
    const one = await buildApp({ log, title: 'one', modules: [things], apiKeys: keys, rateLimit: settings, redis: await redisClient(inject('redisUrl')) });
    const two = await buildApp({ log, title: 'two', modules: [things], apiKeys: keys, rateLimit: settings, redis: await redisClient(inject('redisUrl')) });
    const other = await buildApp({ log, title: 'other', modules: [things], apiKeys: keys, rateLimit: { ...settings, keyPrefix: `${uniqueName('rl')}:` }, redis: await redisClient(inject('redisUrl')) });
    const key = 'crm-key-0123456789abcdef';

    expect([await call(one, key), await call(one, key)]).toEqual([200, 200]);
    await settled();
    expect([await call(two, key), await call(two, key)]).toEqual([200, 200]);
    await settled();
    expect(await call(one, key)).toBe(429);
    expect(await call(two, key)).toBe(429);
    expect(await call(other, key)).toBe(200);

    // Failed authentications add up across instances the same way.
    const attacker = '203.0.113.77';
    expect([await call(one, 'guess-0123456789abcdef', attacker), await call(two, 'guess-0123456789abcdef', attacker)]).toEqual([401, 401]);
    await settled();
    expect(await call(one, 'guess-0123456789abcdef', attacker)).toBe(429);
    expect(await call(two, 'guess-0123456789abcdef', attacker)).toBe(429);
  });

  it('keep each instance to the budget on its own while Redis is unreachable, without waiting for it', async () => {
    const down = await redisClient('redis://127.0.0.1:1');
    const app = await buildApp({ log, title: 'test', modules: [things], apiKeys: keys, rateLimit: { perMinute: 2, failedAuthPerMinute: 1, syncMs }, redis: down });

    const started = performance.now();
    expect([await call(app, 'crm-key-0123456789abcdef'), await call(app, 'crm-key-0123456789abcdef')]).toEqual([200, 200]);
    await settled();
    expect(await call(app, 'crm-key-0123456789abcdef')).toBe(429);
    expect([await call(app, 'guess-0123456789abcdef'), await call(app, 'guess-0123456789abcdef')]).toEqual([401, 429]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
