import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

describe('readiness of the profile service while its Postgres goes away and comes back', () => {
  // A server of this test's own: stopping the shared one would break every other test.
  let postgres: PrivatePostgres;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  let bus: EventBus;
  let profile: ServiceModule;
  let app: HttpApp;

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
  });

  afterAll(async () => {
    await app?.close();
    await profile?.stop();
    await bus?.close();
    await db?.destroy();
    await postgres?.destroy();
  });

  const probe = async (path: '/readyz' | '/healthz') => {
    const response = await app.inject({ method: 'GET', url: path });
    return { status: response.statusCode, body: response.json() as { status: string; checks?: { name: string; ok: boolean; optional: boolean }[] } };
  };
  const check = (body: { checks?: { name: string; ok: boolean }[] }, name: string) => body.checks?.find((c) => c.name === name)?.ok;

  it('goes not-ready when Postgres stops, ready again when it returns, and stays alive throughout', async () => {
    const ready = await eventually(() => probe('/readyz'), (r) => r.status === 200, { what: 'ready at start' });
    expect(ready.body).toMatchObject({ status: 'ready' });
    expect(check(ready.body, 'profile.kafka')).toBe(true);
    expect(check(ready.body, 'profile.postgres')).toBe(true);

    await postgres.stop();
    const down = await eventually(() => probe('/readyz'), (r) => r.status === 503, { what: 'not ready without Postgres' });
    expect(down.body.status).toBe('not_ready');
    expect(check(down.body, 'profile.postgres')).toBe(false);
    expect(check(down.body, 'profile.kafka')).toBe(true);
    expect((await probe('/healthz')).status).toBe(200);

    await postgres.start();
    const back = await eventually(() => probe('/readyz'), (r) => r.status === 200, { what: 'ready again once Postgres is back' });
    expect(check(back.body, 'profile.postgres')).toBe(true);
    expect((await probe('/healthz')).status).toBe(200);
  });
});
