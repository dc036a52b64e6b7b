import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MembershipEvent, ProfileState, ProfileUpdated } from '@segflow/contracts';
import { LifecycleThresholds } from '@segflow/contracts';
import { emptyProfile } from '@segflow/profile-model';
import type { LifecycleConfig } from '@segflow/profile-model';
import { sql } from 'kysely';
import { createDb } from '@segflow/db';
import { createMemoryEventBus } from '@segflow/kafka';
import type { BusMessage, EventBus, Subscription } from '@segflow/kafka';
import { createLogger, createMetrics } from '@segflow/observability';
import { buildApp, topicsFor } from '@segflow/service-kit';
import type { HttpApp, ServiceModule } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { expectProblem } from '@segflow/testkit/problems';
import { createSegmentService, redisOptions } from '../src/index.js';
import type { SegmentDb } from '../src/index.js';

const snapshot = (customerId: string, version: number, purchases: number): ProfileState => {
  const base = emptyProfile(customerId, Date.now());
  return { ...base, version, purchase: { ...base.purchase, count: purchases, total: purchases * 10, totalUnits: purchases * 100_000 } };
};
const change = (customerId: string, version: number, purchases: number): ProfileUpdated => ({
  kind: 'updated',
  customerId,
  version,
  profile: snapshot(customerId, version, purchases),
  causationEventId: `evt-${customerId}-${version}`,
  eventTime: new Date().toISOString(),
});

const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** The segment service alone: in-memory bus (it passes the Kafka conformance suite), real Postgres and Redis. */
const startSegment = async (
  redisUrl: string,
  options: { database?: TestDatabase; bus?: EventBus; namespace?: string; backfillPageSize?: number; clock?: () => Date; lifecycle?: LifecycleConfig } = {},
) => {
  const namespace = options.namespace ?? `${uniqueName('seg')}.`;
  const topics = topicsFor(namespace);
  const database: TestDatabase = options.database ?? (await createTestDatabase(inject('databaseUrl')));
  const db = createDb<SegmentDb>(database.url);
  const redis = new Redis(redisUrl, redisOptions);
  const bus: EventBus = options.bus ?? createMemoryEventBus();
  const log = createLogger({ level: 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  const service: ServiceModule = createSegmentService({
    db,
    metrics,
    databaseUrl: database.url,
    redis,
    bus,
    log,
    topics,
    namespace,
    partitions: 2,
    backfillPageSize: options.backfillPageSize,
    schedulerPollMs: 20,
    lifecycle: options.lifecycle,
    ...(options.clock ? { now: options.clock } : {}),
  });
  const app: HttpApp = await buildApp({ log, title: 'segment', modules: [service], metrics });
  await service.start();
  const published: BusMessage[] = [];
  const collector: Subscription = await bus.subscribe({
    groupId: uniqueName('collector'), // from the beginning, whichever instance published
    topics: [topics.membership],
    handler: async (batch) => {
      published.push(...batch.messages);
      return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
    },
  });
  const events = () => published.map((m) => JSON.parse(m.value!.toString()) as MembershipEvent);
  const sendChanges = (changes: ProfileUpdated[]) =>
    bus.publish(topics.profileChanges, changes.map((c) => ({ key: c.customerId, value: JSON.stringify(c) })));
  /** segflow_events_processed_total for the segment service, by type and outcome. */
  const processed = async () =>
    Object.fromEntries(
      (await metrics.eventsProcessed.get()).values.filter((v) => v.labels.service === 'segment').map((v) => [`${v.labels.type}/${v.labels.outcome}`, v.value]),
    );
  return {
    app,
    db,
    redis,
    processed,
    bus,
    database,
    namespace,
    events,
    sendChanges,
    /** Stops this instance, leaving its database (and bus) for another one. */
    halt: async () => {
      await collector.stop();
      await app.close();
      await service.stop();
      redis.disconnect();
      await db.destroy();
    },
    stop: async () => {
      await collector.stop();
      await app.close();
      await service.stop();
      await bus.close();
      redis.disconnect();
      await db.destroy();
      await database.drop();
    },
  };
};

describe('segment service', () => {
  let s: Awaited<ReturnType<typeof startSegment>>;
  beforeAll(async () => {
    s = await startSegment(inject('redisUrl'));
  });
  afterAll(() => s?.stop());

  const post = (url: string, payload: unknown) => s.app.inject({ method: 'POST', url, payload: payload as object });

  describe('definitions', () => {
    it('creates a segment with an id derived from its name, and refuses a taken id', async () => {
      const rule = { field: 'purchase.count', op: 'gte', value: 1 };
      const created = await post('/v1/segments', { name: 'Big Spenders', rule });
      expect(created.statusCode).toBe(201);
      expect(created.headers.location).toBe('/v1/segments/big-spenders');
      expect(created.headers.etag).toBe('"1"');
      expect(created.json()).toMatchObject({ id: 'big-spenders', version: 1, enabled: true, size: 0, lastChangeAt: null });
      const again = await post('/v1/segments', { name: 'Big Spenders', rule });
      expectProblem(again, { code: 'conflict', status: 409, title: 'Conflict', detail: 'segment id big-spenders is taken', instance: '/v1/segments' });
    });

    it('rejects a bad rule with the path of the bad node', async () => {
      const response = await post('/v1/segments', {
        name: 'Broken',
        rule: { all: [{ field: 'purchase.count', op: 'gte', value: 1 }, { any: [{ field: 'purchase.count', op: 'most', value: 1 }] }] },
      });
      expect(expectProblem(response, { code: 'validation_failed', status: 400, instance: '/v1/segments' }).errors).toMatchObject([{ path: 'body.rule.all[1].any[0].op' }]);
    });

    it('bumps the version on update and answers 404 for an unknown segment', async () => {
      await post('/v1/segments', { id: 'versioned', name: 'V', rule: { field: 'pageView.count', op: 'gt', value: 0 } });
      const updated = await s.app.inject({ method: 'PUT', url: '/v1/segments/versioned', payload: { name: 'V2', rule: { field: 'pageView.count', op: 'gt', value: 5 } } });
      expect(updated.json()).toMatchObject({ id: 'versioned', name: 'V2', version: 2 });
      expectProblem(await s.app.inject({ method: 'GET', url: '/v1/segments/nope' }), { code: 'not_found', status: 404, detail: 'no segment nope', instance: '/v1/segments/nope' });
      expect((await s.app.inject({ method: 'DELETE', url: '/v1/segments/nope' })).statusCode).toBe(404);
      expect((await s.app.inject({ method: 'PUT', url: '/v1/segments/nope', headers: { 'if-match': '"1"' }, payload: { name: 'N', rule: { field: 'age', op: 'gte', value: 1 } } })).statusCode).toBe(404);
    });
  });

  describe('versions', () => {
    const definition = (name: string) => ({ name, rule: { field: 'pageView.count', op: 'gt', value: 0 } });
    const put = (id: string, payload: unknown, ifMatch?: string) =>
      s.app.inject({ method: 'PUT', url: `/v1/segments/${id}`, payload: payload as object, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } });

    it('answer GET and PUT with the ETag of the version', async () => {
      await post('/v1/segments', { id: 'tagged', ...definition('T') });
      const read = await s.app.inject({ method: 'GET', url: '/v1/segments/tagged' });
      expect(read.headers.etag).toBe('"1"');
      const changed = await put('tagged', definition('T2'), read.headers.etag as string);
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).toBe('"2"');
      expect(changed.json()).toMatchObject({ name: 'T2', version: 2 });
    });

    it('refuse a PUT or DELETE whose If-Match names another version with 412, changing nothing', async () => {
      await post('/v1/segments', { id: 'contested', ...definition('First') });
      // Two editors read version 1; the first one's change lands.
      expect((await put('contested', definition('Alice'), '"1"')).statusCode).toBe(200);
      const stale = await put('contested', definition('Bob'), '"1"');
      expectProblem(stale, {
        code: 'precondition_failed',
        status: 412,
        title: 'The resource has changed',
        detail: 'segment contested is at ETag "2"; If-Match asked for "1"',
        instance: '/v1/segments/contested',
      });
      expect(stale.headers.etag).toBe('"2"');
      const staleDelete = await s.app.inject({ method: 'DELETE', url: '/v1/segments/contested', headers: { 'if-match': '"1"' } });
      expectProblem(staleDelete, { code: 'precondition_failed', status: 412, instance: '/v1/segments/contested' });
      expect((await s.app.inject({ method: 'GET', url: '/v1/segments/contested' })).json()).toMatchObject({ name: 'Alice', version: 2 });
      expect((await s.app.inject({ method: 'GET', url: '/v1/segments/contested/backfill' })).json()).toMatchObject({ segmentVersion: 2 });
    });

    it('take If-Match *, and a list naming the current version; a weak tag never matches', async () => {
      await post('/v1/segments', { id: 'listed', ...definition('L') });
      expect((await put('listed', definition('L'), '*')).headers.etag).toBe('"2"');
      expect((await put('listed', definition('L'), '"1", "2"')).headers.etag).toBe('"3"');
      expect((await put('listed', definition('L'), 'W/"3"')).statusCode).toBe(412);
      expect((await put('listed', definition('L'))).headers.etag).toBe('"4"');
      expect((await s.app.inject({ method: 'DELETE', url: '/v1/segments/listed', headers: { 'if-match': '"4"' } })).statusCode).toBe(204);
    });

    it('page through segments with a cursor, in the shape of the members listing', async () => {
      const prefix = `zz-page-${Date.now()}`;
      const ids = [1, 2, 3, 4, 5].map((n) => `${prefix}-${n}`);
      for (const id of ids) await post('/v1/segments', { id, ...definition(id) });
      const seen: string[] = [];
      let cursor: string | null = `${prefix}-0`;
      for (let pages = 0; cursor !== null && pages < 10; pages++) {
        const page: { segments: { id: string }[]; nextCursor: string | null } = (
          await s.app.inject({ method: 'GET', url: `/v1/segments?limit=2&cursor=${cursor}` })
        ).json();
        expect(page.segments.length).toBeLessThanOrEqual(2);
        seen.push(...page.segments.map((x) => x.id));
        cursor = page.nextCursor;
      }
      expect(cursor).toBeNull();
      expect(seen.filter((id) => id.startsWith(prefix))).toEqual(ids);
      const tooMany = await s.app.inject({ method: 'GET', url: '/v1/segments?limit=5000' });
      expect(expectProblem(tooMany, { code: 'validation_failed', status: 400, instance: '/v1/segments' }).errors).toMatchObject([{ path: 'querystring.limit' }]);
    });
  });

  describe('memberships', () => {
    it('enters once, ignores a replayed snapshot, and exits everyone when the segment is deleted', async () => {
      await post('/v1/segments', { id: 'buyers-3', name: 'Three buyers', rule: { field: 'purchase.count', op: 'gte', value: 3 } });
      const a = uniqueName('a');
      const b = uniqueName('b');
      const counted = await s.processed();
      await s.sendChanges([change(a, 1, 3), change(b, 1, 5)]);
      await until(() => s.events().filter((e) => e.data.segmentId === 'buyers-3').length === 2, 'two entries');

      await s.sendChanges([change(a, 1, 3)]); // the same snapshot again (a republish)
      await s.sendChanges([change(a, 2, 4)]); // a newer one that keeps the customer in
      await until(async () => (await s.db.selectFrom('customer_profiles').select('version').where('customer_id', '=', a).executeTakeFirst())?.version === 2, 'version 2 seen');
      const delta = (key: string, now: Record<string, number>) => (now[key] ?? 0) - (counted[key] ?? 0);
      await until(async () => delta('profile_updated/applied', await s.processed()) === 3, 'three changes counted as applied');
      expect(delta('profile_updated/duplicate', await s.processed())).toBe(1);

      const segment = await s.app.inject({ method: 'GET', url: '/v1/segments/buyers-3' });
      expect(segment.json()).toMatchObject({ size: 2 });

      expect((await s.app.inject({ method: 'DELETE', url: '/v1/segments/buyers-3' })).statusCode).toBe(204);
      await until(() => s.events().filter((e) => e.data.segmentId === 'buyers-3').length === 4, 'two exits');
      const mine = s.events().filter((e) => e.data.segmentId === 'buyers-3');
      expect(mine.map((e) => [e.subject, e.type, e.id, e.data.reason]).sort()).toEqual(
        [
          [a, 'segflow.segment.entered', `buyers-3:${a}:1`, 'event'],
          [a, 'segflow.segment.exited', `buyers-3:${a}:2`, 'segment_deleted'],
          [b, 'segflow.segment.entered', `buyers-3:${b}:1`, 'event'],
          [b, 'segflow.segment.exited', `buyers-3:${b}:2`, 'segment_deleted'],
        ].sort(),
      );
      const segments = await s.app.inject({ method: 'GET', url: `/v1/customers/${a}/segments` });
      expect(segments.json().segments.map((x: { segmentId: string }) => x.segmentId)).not.toContain('buyers-3');
    });

    it('pages through members with a cursor', async () => {
      await post('/v1/segments', { id: 'any-view', name: 'Viewers', rule: { field: 'purchase.count', op: 'gte', value: 0 } });
      const ids = [1, 2, 3].map(() => uniqueName('m'));
      await s.sendChanges(ids.map((id) => change(id, 1, 0)));
      await until(() => s.events().filter((e) => e.data.segmentId === 'any-view' && ids.includes(e.subject)).length === 3, 'three members');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { members: { customerId: string }[]; nextCursor: string | null } = (
          await s.app.inject({ method: 'GET', url: `/v1/segments/any-view/members?limit=2${cursor ? `&cursor=${cursor}` : ''}` })
        ).json();
        expect(page.members.length).toBeLessThanOrEqual(2);
        seen.push(...page.members.map((m) => m.customerId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.filter((id: string) => ids.includes(id)).sort()).toEqual([...ids].sort());
      expect(new Set(seen).size).toBe(seen.length);
    });
  });

  describe('read model', () => {
    it('answers from Redis once filled, and from Postgres when Redis is unreachable', async () => {
      await post('/v1/segments', { id: 'one-buy', name: 'One purchase', rule: { field: 'purchase.count', op: 'gte', value: 1 } });
      const c = uniqueName('c');
      await s.sendChanges([change(c, 1, 1)]);
      await until(() => s.events().some((e) => e.subject === c), 'entry');

      const first = await s.app.inject({ method: 'GET', url: `/v1/customers/${c}/segments` });
      expect(first.json().segments).toContainEqual({ segmentId: 'one-buy', name: 'One purchase', enteredAt: expect.any(String), group: null });
      // Filled on the miss, under the cache's current generation (named, not searched: KEYS
      // walks every key of a shared Redis).
      const generation = await s.redis.get(`${s.namespace}segflow:cache-generation`);
      expect(await s.redis.hget(`${s.namespace}segflow:g${generation}:customer:{${c}}:segments`, '_complete')).toBe('1');

      // Redis down: a second instance of the service pointed at a closed port still answers.
      const down = await startSegment('redis://127.0.0.1:1');
      try {
        await down.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'one-buy', name: 'One purchase', rule: { field: 'purchase.count', op: 'gte', value: 1 } } });
        await down.sendChanges([change(c, 1, 1)]);
        await until(() => down.events().some((e) => e.subject === c), 'entry without Redis');
        const fallback = await down.app.inject({ method: 'GET', url: `/v1/customers/${c}/segments` });
        expect(fallback.statusCode).toBe(200);
        expect(fallback.json().segments.map((x: { segmentId: string }) => x.segmentId)).toEqual(['one-buy']);
      } finally {
        await down.stop();
      }
    });

    it('names segments from the cached names: a rename shows at once, a name the cache lacks sends the read to Postgres', async () => {
      await post('/v1/segments', { id: 'named', name: 'Before', rule: { field: 'purchase.count', op: 'gte', value: 1 } });
      const c = uniqueName('n');
      await s.sendChanges([change(c, 1, 1)]);
      await until(() => s.events().some((e) => e.subject === c && e.data.segmentId === 'named'), 'entry');
      // A cached membership in a segment whose name the cache lacks, planted before the
      // entry is filled: the answers come from Postgres, never with the id as a name.
      const generation = await s.redis.get(`${s.namespace}segflow:cache-generation`);
      const key = `${s.namespace}segflow:g${generation}:customer:{${c}}:segments`;
      await s.redis.hset(key, 'ghost-segment', '99|1|2026-01-01T00:00:00.000Z|');
      const namesOf = async () =>
        Object.fromEntries(
          (await s.app.inject({ method: 'GET', url: `/v1/customers/${c}/segments` })).json().segments.map((x: { segmentId: string; name: string }) => [x.segmentId, x.name]),
        );
      expect(await namesOf()).toMatchObject({ named: 'Before' }); // the miss fills the entry
      expect(await s.redis.hget(key, '_complete')).toBe('1');
      expect(await namesOf()).not.toHaveProperty('ghost-segment');

      const renamed = await s.app.inject({ method: 'PUT', url: '/v1/segments/named', payload: { name: 'After', rule: { field: 'purchase.count', op: 'gte', value: 1 } } });
      expect(renamed.statusCode).toBe(200);
      expect(await namesOf()).toMatchObject({ named: 'After' });
    });

    it('answers 404 for a customer it never saw', async () => {
      const url = `/v1/customers/${uniqueName('ghost')}/segments`;
      expectProblem(await s.app.inject({ method: 'GET', url }), { code: 'not_found', status: 404, instance: url });
    });

    it('never lets an older membership write overwrite a newer one', async () => {
      await post('/v1/segments', { id: 'seq-guard', name: 'Guard', rule: { field: 'purchase.count', op: 'gte', value: 2 } });
      const c = uniqueName('g');
      await s.sendChanges([change(c, 1, 2)]);
      await until(() => s.events().some((e) => e.subject === c && e.data.segmentId === 'seq-guard'), 'entry');
      await s.app.inject({ method: 'GET', url: `/v1/customers/${c}/segments` }); // fill
      const key = (await s.redis.keys(`*{${c}}*`))[0]!;
      await s.sendChanges([change(c, 2, 1)]); // exit: seq 2
      await until(async () => !(await s.app.inject({ method: 'GET', url: `/v1/customers/${c}/segments` })).json().segments.some((x: { segmentId: string }) => x.segmentId === 'seq-guard'), 'exit cached');
      // a late writer replays the entry (seq 1) through the same guarded script
      await (s.redis as unknown as { segflowGuardedWrite(...a: string[]): Promise<number> }).segflowGuardedWrite(key, '0', new Date().toISOString(), 'seq-guard', '1|1|2026-01-01T00:00:00.000Z');
      const after = await s.app.inject({ method: 'GET', url: `/v1/customers/${c}/segments` });
      expect(after.json().segments.map((x: { segmentId: string }) => x.segmentId)).not.toContain('seq-guard');
    });
  });
});

describe('segment preview', () => {
  let s: Awaited<ReturnType<typeof startSegment>>;
  beforeAll(async () => {
    s = await startSegment(inject('redisUrl'));
  });
  afterAll(() => s?.stop());

  it('counts and samples matches, and who would enter and exit, storing nothing', async () => {
    await s.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'two-plus', name: 'Two plus', rule: { field: 'purchase.count', op: 'gte', value: 2 } } });
    const ids = [0, 1, 2, 3, 4, 5].map((n) => `p-${n}`);
    await s.sendChanges(ids.map((id, n) => change(id, 1, n))); // purchase counts 0..5
    await until(async () => (await s.app.inject({ method: 'GET', url: '/v1/segments/two-plus' })).json().size === 4, 'members 2..5');

    const plain = await s.app.inject({ method: 'POST', url: '/v1/segments/preview', payload: { rule: { field: 'purchase.count', op: 'gte', value: 4 }, sampleSize: 1 } });
    expect(plain.json()).toEqual({ evaluated: 6, count: 2, sample: ['p-4'] });

    const compared = await s.app.inject({
      method: 'POST',
      url: '/v1/segments/preview',
      payload: { rule: { field: 'purchase.count', op: 'between', value: [1, 3] }, segmentId: 'two-plus' },
    });
    expect(compared.json()).toEqual({
      evaluated: 6,
      count: 3,
      sample: ['p-1', 'p-2', 'p-3'],
      changes: { entering: 1, exiting: 2, sampleEntering: ['p-1'], sampleExiting: ['p-4', 'p-5'] },
    });
    expect((await s.app.inject({ method: 'GET', url: '/v1/segments/two-plus' })).json()).toMatchObject({ size: 4, version: 1 });
    const unknown = await s.app.inject({ method: 'POST', url: '/v1/segments/preview', payload: { rule: { field: 'purchase.count', op: 'gte', value: 1 }, segmentId: 'nope' } });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('segment preview with the deployment\'s lifecycle thresholds', () => {
  it('judges lifecycleStage as live evaluation does', async () => {
    const s = await startSegment(inject('redisUrl'), { lifecycle: LifecycleThresholds.parse({ retention: { minPurchases: 4 } }) });
    try {
      const recentBuyer = (id: string, purchases: number): ProfileUpdated => {
        const c = change(id, 1, purchases);
        return { ...c, profile: { ...c.profile, purchase: { ...c.profile.purchase, lastAt: new Date().toISOString() } } };
      };
      const rule = { field: 'lifecycleStage', op: 'eq', value: 'retention' };
      await s.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'retained', name: 'Retained', rule } });
      await s.sendChanges([2, 3, 4, 5].map((n) => recentBuyer(`l-${n}`, n)));
      await until(async () => (await s.app.inject({ method: 'GET', url: '/v1/segments/retained' })).json().size === 2, 'live: 4 and 5 retained');
      const preview = await s.app.inject({ method: 'POST', url: '/v1/segments/preview', payload: { rule, segmentId: 'retained' } });
      expect(preview.json()).toMatchObject({ count: 2, changes: { entering: 0, exiting: 0 } });
    } finally {
      await s.stop();
    }
  });
});

/** The `even` segment's backfill done over `total` profiles, each of `members` entered and announced once. */
/** Sends one change per customer and waits until every profile is stored. */
const storeProfiles = async (s: Awaited<ReturnType<typeof startSegment>>, changes: ProfileUpdated[]) => {
  await s.sendChanges(changes);
  const stored = async () => Number((await s.db.selectFrom('customer_profiles').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  await until(async () => (await stored()) === changes.length, 'profiles stored');
};

const expectBackfilledOnce = async (s: Awaited<ReturnType<typeof startSegment>>, members: string[], total: number) => {
  const progress = async () => (await s.app.inject({ method: 'GET', url: '/v1/segments/even/backfill' })).json();
  await until(async () => (await progress()).state === 'done', 'backfill done');
  expect(await progress()).toMatchObject({ processed: total, total, entered: members.length, exited: 0 });
  const entries = () => s.events().filter((e) => e.data.segmentId === 'even');
  await until(() => entries().length === members.length, 'all entries published');
  expect(new Set(entries().map((e) => e.id)).size).toBe(members.length);
  expect(new Set(entries().map((e) => e.subject))).toEqual(new Set(members));
};

describe('segment backfill after a crash', () => {
  it('resumes from its cursor in a new instance and finishes with the right members, each announced once', async () => {
    const first = await startSegment(inject('redisUrl'), { backfillPageSize: 20 });
    const ids = Array.from({ length: 400 }, (_, n) => `r-${String(n).padStart(4, '0')}`);
    await storeProfiles(first, ids.map((id, n) => change(id, 1, n % 2 === 0 ? 3 : 0)));

    await first.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'even', name: 'Even', rule: { field: 'purchase.count', op: 'gte', value: 3 } } });
    await until(async () => (await first.app.inject({ method: 'GET', url: '/v1/segments/even/backfill' })).json().processed >= 60, 'a few pages done');
    await first.halt(); // the runner stops between pages; a crash mid-page rolls that page back
    const peek = createDb<SegmentDb>(first.database.url);
    const halted = await peek.selectFrom('backfill_jobs').select(['state', 'processed', 'cursor']).where('segment_id', '=', 'even').executeTakeFirstOrThrow();
    await peek.destroy();
    expect(halted.state).toBe('running');
    expect(halted.processed).toBeGreaterThanOrEqual(60);
    expect(halted.processed).toBeLessThan(400);
    expect(halted.cursor).toBe(ids[halted.processed - 1]);

    const second = await startSegment(inject('redisUrl'), { database: first.database, bus: first.bus, namespace: first.namespace, backfillPageSize: 20 });
    try {
      await expectBackfilledOnce(second, ids.filter((_, n) => n % 2 === 0), ids.length);
    } finally {
      await second.stop();
    }
  });
});

describe('segment backfill, two pages in flight', () => {
  it('undoes the page after one that failed, and finishes with every member announced once', async () => {
    const s = await startSegment(inject('redisUrl'), { backfillPageSize: 20 });
    try {
      const ids = Array.from({ length: 200 }, (_, n) => `p-${String(n).padStart(4, '0')}`);
      await storeProfiles(s, ids.map((id, n) => change(id, 1, n % 2 === 0 ? 3 : 0)));
      // The first page fails once, at its compare-and-set, while the second is in flight
      // (a sequence, not a table: its count survives the rollback).
      await sql`CREATE SEQUENCE backfill_fault`.execute(s.db);
      await sql`CREATE FUNCTION backfill_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.customer_id = 'p-0004' AND nextval('backfill_fault') = 1 THEN RAISE EXCEPTION 'injected fault'; END IF;
          RETURN NEW;
        END $$`.execute(s.db);
      await sql`CREATE TRIGGER backfill_fault BEFORE INSERT ON memberships FOR EACH ROW EXECUTE FUNCTION backfill_fault()`.execute(s.db);

      await s.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'even', name: 'Even', rule: { field: 'purchase.count', op: 'gte', value: 3 } } });
      await expectBackfilledOnce(s, ids.filter((_, n) => n % 2 === 0), ids.length);
      expect(Number((await sql<{ n: string }>`SELECT last_value AS n FROM backfill_fault`.execute(s.db)).rows[0]!.n)).toBeGreaterThanOrEqual(1);
    } finally {
      await s.stop();
    }
  });
});

describe('segment backfill over stored memberships', () => {
  it('exits the members a new definition drops, the first and last customer of every page among them, once each', async () => {
    const s = await startSegment(inject('redisUrl'), { backfillPageSize: 20 });
    try {
      const ids = Array.from({ length: 100 }, (_, n) => `e-${String(n).padStart(4, '0')}`);
      // Pages hold customers 0–19, 20–39, …: their first customers are even, their last odd.
      await storeProfiles(s, ids.map((id, n) => change(id, 1, n % 2 === 0 ? 3 : 0)));
      const backfill = async () => (await s.app.inject({ method: 'GET', url: '/v1/segments/even/backfill' })).json();

      await s.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'even', name: 'Even', rule: { field: 'purchase.count', op: 'gte', value: 0 } } });
      await until(async () => (await backfill()).state === 'done', 'everyone entered');
      // Now only the even ones stay: the odd ones, each page's last customer among them, exit;
      // the even ones, each page's first among them, neither exit nor enter again.
      await s.app.inject({ method: 'PUT', url: '/v1/segments/even', payload: { name: 'Even', rule: { field: 'purchase.count', op: 'gte', value: 3 } } });
      await until(async () => (await backfill()).state === 'done' && (await backfill()).exited > 0, 'second backfill done');
      expect(await backfill()).toMatchObject({ processed: 100, entered: 0, exited: 50 });

      const odd = ids.filter((_, n) => n % 2 === 1);
      const exits = () => s.events().filter((e) => e.data.segmentId === 'even' && e.type === 'segflow.segment.exited');
      await until(() => exits().length === odd.length, 'all exits published');
      expect(exits().map((e) => e.subject).sort()).toEqual(odd);
      expect(s.events().filter((e) => e.data.segmentId === 'even' && e.type === 'segflow.segment.entered')).toHaveLength(ids.length);
      const members = await s.db.selectFrom('memberships').select('customer_id').where('segment_id', '=', 'even').where('is_member', '=', true).orderBy('customer_id').execute();
      expect(members.map((m) => m.customer_id)).toEqual(ids.filter((_, n) => n % 2 === 0));
    } finally {
      await s.stop();
    }
  });
});

describe('segment backfill publishing its own pages', () => {
  it('leaves the events of a page whose publication failed to the relay, and announces every member once', async () => {
    const namespace = `${uniqueName('seg')}.`;
    const inner = createMemoryEventBus();
    let refusals = 3; // the first publications of membership events fail, as with the broker away
    const flaky: EventBus = {
      publish: async (topic, messages) => {
        if (topic === topicsFor(namespace).membership && refusals > 0) {
          refusals -= 1;
          throw new Error('broker unavailable');
        }
        return inner.publish(topic, messages);
      },
      subscribe: (options) => inner.subscribe(options),
      createTopics: (topics) => inner.createTopics(topics),
      groupOffsets: (groupId, topics) => inner.groupOffsets(groupId, topics),
      close: () => inner.close(),
    };
    const s = await startSegment(inject('redisUrl'), { namespace, bus: flaky, backfillPageSize: 20 });
    try {
      const ids = Array.from({ length: 200 }, (_, n) => `f-${String(n).padStart(4, '0')}`);
      await storeProfiles(s, ids.map((id, n) => change(id, 1, n % 2 === 0 ? 3 : 0)));
      await s.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'even', name: 'Even', rule: { field: 'purchase.count', op: 'gte', value: 3 } } });
      await expectBackfilledOnce(s, ids.filter((_, n) => n % 2 === 0), ids.length);
      expect(refusals).toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe('segment scheduler', () => {
  it('exits a customer when the last purchase leaves the 30-day window, at the instant, with reason time', async () => {
    const DAY = 24 * 3_600_000;
    const lastPurchase = Date.parse('2026-10-01T12:00:00.000Z');
    let clock = lastPurchase + DAY;
    const s = await startSegment(inject('redisUrl'), { clock: () => new Date(clock) });
    try {
      await s.app.inject({ method: 'POST', url: '/v1/segments', payload: { id: 'recent', name: 'Recent', rule: { field: 'purchase.lastAt', op: 'withinLast', value: '30d' } } });
      const c = uniqueName('t');
      const profile = { ...change(c, 1, 1), profile: { ...snapshot(c, 1, 1), purchase: { ...snapshot(c, 1, 1).purchase, firstAt: new Date(lastPurchase).toISOString(), lastAt: new Date(lastPurchase).toISOString() } } };
      await s.sendChanges([profile]);
      await until(() => s.events().some((e) => e.subject === c), 'entered');
      const due = await s.db.selectFrom('customer_profiles').select('next_evaluation_at').where('customer_id', '=', c).executeTakeFirstOrThrow();
      expect(due.next_evaluation_at?.getTime()).toBe(lastPurchase + 30 * DAY);

      clock = lastPurchase + 30 * DAY - 1; // one millisecond early: not due
      const early = await s.db.selectFrom('customer_profiles').select('evaluated_at').where('customer_id', '=', c).executeTakeFirstOrThrow();
      await new Promise((r) => setTimeout(r, 200)); // ten scheduler polls
      expect(s.events().filter((e) => e.subject === c)).toHaveLength(1);
      expect((await s.db.selectFrom('customer_profiles').select('evaluated_at').where('customer_id', '=', c).executeTakeFirstOrThrow()).evaluated_at).toEqual(early.evaluated_at);

      clock = lastPurchase + 30 * DAY; // the instant
      await until(() => s.events().filter((e) => e.subject === c).length === 2, 'exited');
      const exit = s.events().filter((e) => e.subject === c)[1]!;
      expect(exit).toMatchObject({ type: 'segflow.segment.exited', id: `recent:${c}:2`, data: { reason: 'time', eventTime: new Date(lastPurchase + 30 * DAY).toISOString() } });
      const after = await s.db.selectFrom('customer_profiles').select('next_evaluation_at').where('customer_id', '=', c).executeTakeFirstOrThrow();
      expect(after.next_evaluation_at).toBeNull(); // nothing more can change with time alone
    } finally {
      await s.stop();
    }
  });
});
