import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { startPrivatePostgres, uniqueName } from '@segflow/testkit';
import type { PrivatePostgres } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, Schemas, TestSystem } from '../support/system.js';
import { captureLogs, enteredFigures, overHttp, purchaseCounts, readiness, report, sleep, statusOf, streamPurchases, total, watchHealth, wrongCounts } from './outages.js';
import type { PostRecord } from './outages.js';

const SEGMENTS = [5, 15, 30].map((n) => ({ id: `bought-${n}`, name: `Bought ${n} times`, rule: { field: 'purchase.count', op: 'gte', value: n } }) satisfies Schemas['NewSegment']);
const ROUNDS = 30;
const OUTAGE_MS = 5_000;

describe('fault suite: Postgres stopped and started again under traffic', () => {
  // A server of this test's own: stopping the shared one would break every other test.
  let postgres: PrivatePostgres;
  let system: TestSystem;
  let membership: Collector;
  let dlq: Collector;
  const logs = captureLogs();

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    system = await startSystem({ databaseAdminUrl: postgres.url, logDestination: logs.destination });
    membership = await collect(system.bus, system.topics.membership);
    dlq = await collect(system.bus, system.topics.dlq);
    for (const segment of SEGMENTS) expect((await system.api.POST('/v1/segments', { body: segment })).response.status).toBe(201);
  });
  afterAll(async () => {
    await membership?.stop();
    await dlq?.stop();
    await system?.stop();
    await postgres?.destroy();
  });

  it('applies every purchase once, enters each segment once, answers 503 meanwhile and is ready again by itself', async ({ onTestFinished, onTestFailed }) => {
    onTestFailed(() => console.log(`last service logs:\n${logs.tail()}`));
    const customers = Array.from({ length: 20 }, () => uniqueName('c-pg'));
    const health = watchHealth(system.api);
    const posts: PostRecord[] = [];
    const stream = streamPurchases({ customers, rounds: ROUNDS, intervalMs: 300, deliver: overHttp(system.api, posts) });
    onTestFinished(async () => {
      stream.stop();
      await health.stop();
    });

    // 1. traffic flows, then Postgres goes away mid-stream
    await eventually(async () => stream.roundsSent(), (n) => n >= 8, { what: 'eight rounds sent' });
    expect(await statusOf(system.api, '/readyz')).toBe(200);
    const appliedBefore = total(await purchaseCounts(system.profileDb, customers));
    await postgres.stop();
    const stoppedAt = Date.now();

    // 2. while it is down: alive, not ready, reads refused with 503 and Retry-After, never 500
    await eventually(() => statusOf(system.api, '/readyz'), (s) => s === 503, { what: 'not ready without Postgres', timeoutMs: 5_000 });
    const notReadyAfterMs = Date.now() - stoppedAt;
    const failing = (await readiness(system.api)).body!.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failing).toEqual(expect.arrayContaining(['profile.postgres', 'segment.postgres']));
    const requests = {
      'GET /v1/customers/{id}': system.api.GET('/v1/customers/{id}', { params: { path: { id: customers[0]! } } }),
      'GET /v1/segments': system.api.GET('/v1/segments'),
      'GET /v1/segments/{id}/members': system.api.GET('/v1/segments/{id}/members', { params: { path: { id: SEGMENTS[0]!.id } } }),
      'POST /v1/segments': system.api.POST('/v1/segments', { body: { id: 'made-meanwhile', name: 'Made meanwhile', rule: SEGMENTS[0]!.rule } }),
    };
    for (const [request, answer] of Object.entries(requests)) {
      const { response, error } = await answer;
      const read = { status: response.status, retryAfter: response.headers.get('retry-after'), body: error };
      expect(read, request).toMatchObject({ status: 503, retryAfter: '5', body: { status: 503, code: 'unavailable' } });
    }
    // Served from Redis when cached, else from Postgres: either way not a 500.
    const cached = await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: customers[1]! } } });
    expect([200, 404, 503]).toContain(cached.response.status);
    await sleep(stoppedAt + OUTAGE_MS - Date.now());

    // 3. Postgres returns: ready again and consuming, with no one's help
    await postgres.start();
    const restartedAt = Date.now();
    await eventually(() => statusOf(system.api, '/readyz'), (s) => s === 200, { what: 'ready again', timeoutMs: 30_000 });
    const readyAfterMs = Date.now() - restartedAt;
    await eventually(async () => total(await purchaseCounts(system.profileDb, customers)), (n) => n > appliedBefore, { what: 'consumption resumed', timeoutMs: 30_000, intervalMs: 50 });
    const resumedAfterMs = Date.now() - restartedAt;

    // 4. the stream ends; everything sent is applied exactly once and entered exactly once
    await stream.finished;
    const lastSentAt = Date.now();
    const counts = await eventually(() => purchaseCounts(system.profileDb, customers), (c) => total(c) >= ROUNDS * customers.length, {
      what: 'every purchase applied',
      timeoutMs: 30_000,
    });
    const drainedAfterMs = Date.now() - lastSentAt;
    await eventually(
      async () => enteredFigures(membership.json<MembershipEvent>(), customers, SEGMENTS.map((s) => s.id)).missing,
      (missing) => missing.length === 0,
      { what: 'every segment entered', timeoutMs: 30_000 },
    );
    await sleep(1_500); // room for a duplicate to show up
    await health.stop();

    const entered = enteredFigures(membership.json<MembershipEvent>(), customers, SEGMENTS.map((s) => s.id));
    const statuses = [...new Set(posts.map((p) => p.status))];
    report('postgres restart', {
      outageMs: restartedAt - stoppedAt,
      notReadyAfterMs,
      readyAfterMs,
      resumedAfterMs,
      drainedAfterMs,
      sent: ROUNDS * customers.length,
      applied: total(counts),
      entered: entered.entered,
      republished: entered.republished,
      enteredTwice: entered.enteredTwice.length,
      deadLettered: dlq.messages.length,
      postStatuses: statuses,
      healthzNot200: health.samples.filter((s) => s.healthz !== 200).length,
      errorsLogged: logs.messages('error'),
    });
    // The consumers retry with a backoff capped at 10 s.
    expect(readyAfterMs).toBeLessThan(15_000);
    expect(resumedAfterMs).toBeLessThan(15_000);
    expect(wrongCounts(await purchaseCounts(system.profileDb, customers), ROUNDS)).toEqual({});
    expect(entered).toMatchObject({ missing: [], enteredTwice: [], exited: 0 });
    expect(dlq.messages).toHaveLength(0);
    // Ingest needs no Postgres: it kept accepting throughout.
    expect(statuses).toEqual([202]);
    expect(health.samples.filter((s) => s.healthz !== 200)).toEqual([]);
    expect(health.between(stoppedAt + 1_000, restartedAt).map((s) => s.readyz)).toContain(503);
    expect(health.samples.at(-1)).toMatchObject({ healthz: 200, readyz: 200 });
  });
});
