import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '@segflow/db';
import { createMemoryEventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { buildApp, topicsFor } from '@segflow/service-kit';
import type { HttpApp } from '@segflow/service-kit';
import { createTestDatabase } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { expectProblem } from '@segflow/testkit/problems';
import { createProfileService, migrateProfile } from '../src/index.js';
import type { ProfileDb } from '../src/index.js';

/** The profile service's routes over a real Postgres; its consumers are not started. */
describe('profile service HTTP API', () => {
  let database: TestDatabase;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  let app: HttpApp;
  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    db = createDb<ProfileDb>(database.url);
    await migrateProfile(db);
    const log = createLogger({ level: 'silent' });
    const profile = createProfileService({
      db, databaseUrl: database.url, bus: createMemoryEventBus(), log, topics: topicsFor('t.'), namespace: 't.', partitions: 1, baseCurrency: 'EUR', fxRates: {},
    });
    app = await buildApp({ log, title: 'profile', modules: [profile] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await database?.drop();
  });

  const model = (points: number) => ({ halfLifeDays: 30, rules: [{ id: 'pricing', eventType: 'page_view', filters: { urlPrefix: '/pricing' }, points }] });
  const put = (payload: unknown, ifMatch?: string) =>
    app.inject({ method: 'PUT', url: '/v1/scoring-model', payload: payload as object, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } });

  describe('scoring model versions', () => {
    it('answers GET and PUT with the ETag of the version, and refuses a PUT based on an older one with 412', async () => {
      const first = await app.inject({ method: 'GET', url: '/v1/scoring-model' });
      expect(first.headers.etag).toBe('"0"');
      const saved = await put(model(5), first.headers.etag as string);
      expect(saved.statusCode).toBe(200);
      expect(saved.headers.etag).toBe('"1"');
      expect(saved.json()).toMatchObject({ version: 1, rules: [{ points: 5 }] });

      const stale = await put(model(9), '"0"');
      expectProblem(stale, { code: 'precondition_failed', status: 412, detail: 'the scoring model is at ETag "1"; If-Match asked for "0"', instance: '/v1/scoring-model' });
      expect(stale.headers.etag).toBe('"1"');
      expect((await app.inject({ method: 'GET', url: '/v1/scoring-model' })).json()).toMatchObject({ version: 1, rules: [{ points: 5 }] });

      // Without If-Match, the change applies whatever the version.
      expect((await put(model(7))).headers.etag).toBe('"2"');
    });

    it('answers a bad rule with 400 naming the field', async () => {
      const bad = await put({ rules: [{ id: 'docs', eventType: 'email_open', filters: { urlPrefix: '/docs' }, points: 5 }] });
      expect(expectProblem(bad, { code: 'validation_failed', status: 400, instance: '/v1/scoring-model' }).errors).toEqual([
        { path: 'body.rules[0].filters.urlPrefix', message: 'filter "urlPrefix" does not apply to email_open events' },
      ]);
    });
  });

  describe('customers', () => {
    it('answers 404 as a problem for an unknown customer, on read and on erasure', async () => {
      for (const method of ['GET', 'DELETE'] as const) {
        const response = await app.inject({ method, url: '/v1/customers/nobody', headers: { 'content-type': 'application/json' } });
        expectProblem(response, { code: 'not_found', status: 404, title: 'Not found', detail: 'no customer nobody', instance: '/v1/customers/nobody' });
      }
    });

    it('answers 405 with Allow for a method the path does not take', async () => {
      const response = await app.inject({ method: 'PATCH', url: '/v1/customers/c-1', payload: {} });
      expectProblem(response, { code: 'method_not_allowed', status: 405, instance: '/v1/customers/c-1' });
      expect(response.headers.allow).toBe('GET, HEAD, DELETE');
    });
  });
});
