import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSegflowClient } from '@segflow/client';
import type { SegflowClient } from '@segflow/client';
import { createDb } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { createProfileService } from '@segflow/profile';
import type { ProfileDb } from '@segflow/profile';
import { buildApp, topicsFor } from '@segflow/service-kit';
import type { HttpApp, ServiceModule } from '@segflow/service-kit';
import { startPrivatePostgres, uniqueName } from '@segflow/testkit';
import type { PrivatePostgres } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { readiness, statusOf } from './outages.js';

describe('readiness of the profile service while its Postgres goes away and comes back', () => {
  // A server of this test's own: stopping the shared one would break every other test.
  let postgres: PrivatePostgres;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  let bus: EventBus;
  let profile: ServiceModule;
  let app: HttpApp;
  let api: SegflowClient;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    db = createDb<ProfileDb>(postgres.url);
    const log = createLogger({ level: 'silent' });
    bus = createKafkaEventBus({ brokers: inject('kafkaBrokers'), clientId: 'readiness-test', logger: log });
    const namespace = `${uniqueName('ready')}.`;
    profile = createProfileService({
      db,
      databaseUrl: postgres.url,
      bus,
      log,
      topics: topicsFor(namespace),
      namespace,
      partitions: 1,
      baseCurrency: 'EUR',
      fxRates: {},
    });
    app = await buildApp({ log, title: 'readiness test', modules: [profile] });
    await profile.start();
    api = createSegflowClient({ baseUrl: await app.listen({ host: '127.0.0.1', port: 0 }) });
  });

  afterAll(async () => {
    await app?.close();
    await profile?.stop();
    await bus?.close();
    await db?.destroy();
    await postgres?.destroy();
  });

  const check = (body: { checks: { name: string; ok: boolean }[] } | undefined, name: string) => body?.checks.find((c) => c.name === name)?.ok;

  it('goes not-ready when Postgres stops, ready again when it returns, and stays alive throughout', async () => {
    const ready = await eventually(() => readiness(api), (r) => r.status === 200, { what: 'ready at start' });
    expect(ready.body).toMatchObject({ status: 'ready' });
    expect(check(ready.body, 'profile.kafka')).toBe(true);
    expect(check(ready.body, 'profile.postgres')).toBe(true);

    await postgres.stop();
    const down = await eventually(() => readiness(api), (r) => r.status === 503, { what: 'not ready without Postgres' });
    expect(down.body?.status).toBe('not_ready');
    expect(check(down.body, 'profile.postgres')).toBe(false);
    expect(check(down.body, 'profile.kafka')).toBe(true);
    expect(await statusOf(api, '/healthz')).toBe(200);

    await postgres.start();
    const back = await eventually(() => readiness(api), (r) => r.status === 200, { what: 'ready again once Postgres is back' });
    expect(check(back.body, 'profile.postgres')).toBe(true);
    expect(await statusOf(api, '/healthz')).toBe(200);
  });
});
