import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { isPortOpen, uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, Schemas, TestSystem } from '../support/system.js';
import { captureLogs, enteredFigures, freePort, purchaseCounts, readiness, report, sleep, watchHealth, wrongCounts } from './outages.js';

/** A redis-server of the test's own on `port`; with `dataDir`, one that keeps its data across restarts (AOF). */
const startRedis = async (port: number, dataDir?: string) => {
  const persistence = dataDir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDir] : ['--appendonly', 'no'];
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(() => isPortOpen('127.0.0.1', port, 200), Boolean, { what: `redis-server on ${port}`, timeoutMs: 10_000 });
  return {
    /** SIGKILL: gone at once, its memory with it. SIGTERM: a clean shutdown that writes the AOF. */
    stop: async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
};
type PrivateRedis = Awaited<ReturnType<typeof startRedis>>;

const BUYERS = { id: 'buyers', name: 'Buyers', rule: { field: 'purchase.count', op: 'gte', value: 3 } } satisfies Schemas['NewSegment'];
const BIG_BUYERS = { id: 'big-buyers', name: 'Big buyers', rule: { field: 'purchase.count', op: 'gte', value: 5 } } satisfies Schemas['NewSegment'];

describe('fault suite: Redis (the membership cache) goes away and comes back', () => {
  let port: number;
  let redis: PrivateRedis | undefined;
  let system: TestSystem;
  let membership: Collector;
  let dlq: Collector;
  const logs = captureLogs();

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    system = await startSystem({ redisUrl: `redis://127.0.0.1:${port}`, logDestination: logs.destination });
    membership = await collect(system.bus, system.topics.membership);
    dlq = await collect(system.bus, system.topics.dlq);
    for (const segment of [BUYERS, BIG_BUYERS]) expect((await system.api.POST('/v1/segments', { body: segment })).response.status).toBe(201);
  });
  afterAll(async () => {
    await membership?.stop();
    await dlq?.stop();
    await system?.stop();
    await redis?.stop();
  });

  const send = async (customers: string[], each: number) => {
    const events = customers.flatMap((c) => Array.from({ length: each }, () => purchase(c)));
    expect((await system.api.POST('/v1/events', { body: { events } })).response.status).toBe(202);
  };
  const segmentsOf = async (customerId: string) => {
    const startedAt = Date.now();
    const { data, response } = await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: customerId } } });
    return { status: response.status, ids: data?.segments.map((s) => s.segmentId), ms: Date.now() - startedAt };
  };
  /** Every customer answers 200 with exactly `ids`; returns the slowest answer's time. */
  const expectSegments = async (customers: string[], ids: string[]): Promise<number> => {
    const answers = await Promise.all(customers.map(segmentsOf));
    expect(answers.map((a) => ({ status: a.status, ids: a.ids }))).toEqual(customers.map(() => ({ status: 200, ids })));
    return Math.max(...answers.map((a) => a.ms));
  };
  const enteredAll = (customers: string[], segmentIds: string[]) =>
    eventually(async () => enteredFigures(membership.json<MembershipEvent>(), customers, segmentIds).missing, (m) => m.length === 0, { what: 'segments entered', timeoutMs: 30_000 });
  const counted = (customers: string[], expected: number) =>
    eventually(async () => wrongCounts(await purchaseCounts(system.profileDb, customers), expected), (w) => Object.keys(w).length === 0, { what: `${expected} purchases applied`, timeoutMs: 30_000 });
  // Entries live under the cache's current generation (see membershipCache).
  const generation = async () => (await system.redis.get(`${system.namespace}segflow:cache-generation`)) ?? '0';
  const cacheKey = async (customerId: string) => `${system.namespace}segflow:g${await generation()}:customer:{${customerId}}:segments`;
  const namesKey = async () => `${system.namespace}segflow:g${await generation()}:segment-names`;
  const redisCheck = async () => {
    const { status, body } = await readiness(system.api);
    return { status, redis: body!.checks.find((c) => c.name === 'segment.redis')?.ok };
  };

  it('answers memberships from Postgres while Redis is down, loses nothing, and fills and serves the cache again once it is back', async ({ onTestFinished, onTestFailed }) => {
    onTestFailed(() => console.log(`last service logs:\n${logs.tail()}`));
    const logged = logs.mark();
    const early = Array.from({ length: 10 }, () => uniqueName('c-early'));
    const during = Array.from({ length: 10 }, () => uniqueName('c-during'));
    const after = Array.from({ length: 10 }, () => uniqueName('c-after'));
    const health = watchHealth(system.api);
    onTestFinished(() => health.stop());

    // 1. members before the outage, their answers cached
    await send(early, 3);
    await enteredAll(early, [BUYERS.id]);
    await expectSegments(early, [BUYERS.id]);
    expect(await system.redis.hget(await cacheKey(early[0]!), '_complete')).toBe('1');

    // 2. Redis is killed: events still accepted, memberships still decided and answered
    await redis!.stop('SIGKILL');
    const killedAt = Date.now();
    await send(during, 3);
    await send(early, 1);
    await enteredAll(during, [BUYERS.id]);
    await counted(early, 4);
    const slowestReadDownMs = Math.max(await expectSegments(early, [BUYERS.id]), await expectSegments(during, [BUYERS.id]));
    // The cache is optional: reported, not a reason to stop taking traffic.
    expect(await redisCheck()).toEqual({ status: 200, redis: false });
    await sleep(killedAt + 3_000 - Date.now());

    // 3. Redis comes back empty: the client reconnects by itself, the cache fills again
    redis = await startRedis(port);
    const restartedAt = Date.now();
    await eventually(redisCheck, (r) => r.redis === true, { what: 'Redis seen again', timeoutMs: 15_000 });
    const reconnectedAfterMs = Date.now() - restartedAt;
    await send(after, 3);
    await enteredAll(after, [BUYERS.id]);
    const everyone = [...early, ...during, ...after];
    await expectSegments(everyone, [BUYERS.id]);
    for (const customerId of everyone) expect(await system.redis.hget(await cacheKey(customerId), '_complete'), customerId).toBe('1');
    // Served from the cache, not Postgres: an entry only the cache holds shows in the answer
    // once its name is there too (each instance rereads the names every second).
    await system.redis.hset(await namesKey(), 'cache-probe', 'Probe');
    await system.redis.hset(await cacheKey(during[0]!), 'cache-probe', '999|1|');
    await eventually(() => segmentsOf(during[0]!), (a) => a.ids?.includes('cache-probe') === true, { what: 'the probe served from the cache', timeoutMs: 5_000 });
    expect((await segmentsOf(during[0]!)).ids).toEqual([BUYERS.id, 'cache-probe']);
    await system.redis.hdel(await cacheKey(during[0]!), 'cache-probe');
    await health.stop();

    const entered = enteredFigures(membership.json<MembershipEvent>(), everyone, [BUYERS.id]);
    report('redis down', {
      outageMs: restartedAt - killedAt,
      reconnectedAfterMs,
      slowestReadDownMs,
      sent: 3 * everyone.length + early.length,
      entered: entered.entered,
      republished: entered.republished,
      deadLettered: dlq.messages.length,
      readyzWhileDown: [...new Set(health.between(killedAt, restartedAt).map((s) => s.readyz))],
      warningsLogged: logs.messages('warn', logged),
    });
    expect(wrongCounts(await purchaseCounts(system.profileDb, early), 4)).toEqual({});
    expect(wrongCounts(await purchaseCounts(system.profileDb, [...during, ...after]), 3)).toEqual({});
    expect(entered).toMatchObject({ missing: [], enteredTwice: [], exited: 0 });
    expect(dlq.messages).toHaveLength(0);
    expect(health.samples.filter((s) => s.healthz !== 200 || s.readyz !== 200)).toEqual([]);
  });

  it('serves no stale memberships after a Redis that kept its data (AOF) comes back', async ({ onTestFailed }) => {
    onTestFailed(() => console.log(`last service logs:\n${logs.tail()}`));
    const logged = logs.mark();
    const dataDir = await mkdtemp(join(tmpdir(), 'segflow-redis-'));
    try {
      await redis?.stop('SIGKILL');
      redis = await startRedis(port, dataDir);
      await eventually(redisCheck, (r) => r.redis === true, { what: 'the persistent Redis seen', timeoutMs: 15_000 });
      const customers = Array.from({ length: 5 }, () => uniqueName('c-aof'));
      await send(customers, 3);
      await enteredAll(customers, [BUYERS.id]);
      await expectSegments(customers, [BUYERS.id]); // cached, complete
      expect(await system.redis.hget(await cacheKey(customers[0]!), '_complete')).toBe('1');

      // Down (cleanly: the AOF is written) while the customers enter a second segment.
      await redis.stop('SIGTERM');
      const stoppedAt = Date.now();
      await send(customers, 2);
      await enteredAll(customers, [BIG_BUYERS.id]);
      await expectSegments(customers, [BIG_BUYERS.id, BUYERS.id]); // from Postgres
      redis = await startRedis(port, dataDir);
      const restartedAt = Date.now();
      await eventually(redisCheck, (r) => r.redis === true, { what: 'Redis seen again', timeoutMs: 15_000 });

      // Postgres is the truth: the entries cached before the outage must not answer for it
      // (given a few seconds, should a fix forget them asynchronously).
      const stale = (answers: { ids?: string[] }[]) => answers.filter((a) => a.ids?.join() !== [BIG_BUYERS.id, BUYERS.id].join()).length;
      const answers = await eventually(() => Promise.all(customers.map(segmentsOf)), (a) => stale(a) === 0, { timeoutMs: 5_000 }).catch(() =>
        Promise.all(customers.map(segmentsOf)),
      );
      report('redis back with its data', { outageMs: restartedAt - stoppedAt, staleAnswers: stale(answers), of: customers.length, warningsLogged: logs.messages('warn', logged) });
      expect(answers.map((a) => a.ids), 'memberships changed while Redis was down, answered from its old entries').toEqual(
        customers.map(() => [BIG_BUYERS.id, BUYERS.id]),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
