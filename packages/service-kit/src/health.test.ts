import { describe, expect, it } from 'vitest';
import { createLogger } from '@segflow/observability';
import { buildApp } from './run.js';
import type { ServiceModule } from './service.js';

const module = (name: string, state: { alive: boolean; kafka: boolean; redis: boolean }): ServiceModule => ({
  name,
  routes: async () => undefined,
  start: async () => undefined,
  stop: async () => undefined,
  alive: () => state.alive,
  readiness: [
    { name: 'kafka', check: async () => state.kafka },
    { name: 'redis', optional: true, check: async () => state.redis },
  ],
});

describe('health endpoints', () => {
  it('report a consumer loop that died as not alive, and a missing group as not ready, with optional checks reported only', async () => {
    const state = { alive: true, kafka: true, redis: false };
    const app = await buildApp({ log: createLogger({ level: 'silent' }), title: 'test', modules: [module('segment', state)] });
    const get = async (url: string) => {
      const response = await app.inject({ method: 'GET', url });
      return { status: response.statusCode, body: response.json() };
    };

    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', dead: [] } });
    expect(await get('/readyz')).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: [
          { name: 'segment.kafka', optional: false, ok: true },
          { name: 'segment.redis', optional: true, ok: false },
        ],
      },
    });

    state.kafka = false;
    expect((await get('/readyz')).status).toBe(503);
    state.alive = false;
    expect(await get('/healthz')).toEqual({ status: 503, body: { status: 'dead', dead: ['segment'] } });
    await app.close();
  });
});
