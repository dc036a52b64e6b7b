import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { createKafkaEventBus, readDlqHeaders } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { groupFor } from '@segflow/service-kit';
import { ensureLocalKafka, uniqueName } from '@segflow/testkit';
import type { LocalKafka } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, Schemas, TestSystem } from '../support/system.js';
import { captureLogs, enteredFigures, freePort, overHttp, overTopic, purchaseCounts, report, sleep, statusOf, streamPurchases, total, watchHealth, wrongCounts } from './outages.js';
import type { PostRecord } from './outages.js';

const SEGMENT = { id: 'bought-10', name: 'Bought 10 times', rule: { field: 'purchase.count', op: 'gte', value: 10 } } satisfies Schemas['NewSegment'];
const INTERVAL_MS = 250;
// The publish timeout and a margin for a loaded CI machine.
const ANSWER_BOUND_MS = 6_500;

describe('fault suite: the Kafka broker frozen (SIGSTOP) under traffic', () => {
  // A broker of this test's own: freezing the shared one would stall every other test.
  let kafka: LocalKafka;
  let kafkaStartMs: number;
  let system: TestSystem;
  let membership: Collector;
  let dlq: Collector;
  let customerEvents: Collector;
  // An upstream producer of the source topics, apart from segflow's own client.
  let upstream: EventBus;
  const logs = captureLogs();
  const signal = (name: 'SIGSTOP' | 'SIGCONT') => process.kill(kafka.pid!, name);

  beforeAll(async () => {
    const startedAt = Date.now();
    kafka = await ensureLocalKafka({ port: await freePort({ andNext: true }), log: () => undefined });
    kafkaStartMs = Date.now() - startedAt;
    // Only a broker launched here may be frozen.
    expect(kafka.startedHere && kafka.pid !== undefined).toBe(true);
    system = await startSystem({ kafkaBrokers: kafka.brokers, logDestination: logs.destination });
    membership = await collect(system.bus, system.topics.membership);
    dlq = await collect(system.bus, system.topics.dlq);
    customerEvents = await collect(system.bus, system.topics.customerEvents);
    upstream = createKafkaEventBus({ brokers: kafka.brokers, clientId: 'upstream', logger: createLogger({ level: 'silent' }) });
    expect((await system.api.POST('/v1/segments', { body: SEGMENT })).response.status).toBe(201);
  });
  afterAll(async () => {
    if (kafka?.pid !== undefined) signal('SIGCONT'); // never leave it frozen, whatever failed
    await membership?.stop();
    await dlq?.stop();
    await customerEvents?.stop();
    await upstream?.close();
    await system?.stop();
    await kafka?.stop();
  });

  /** Where the pipeline stands (what is missing, the DLQ, each group's offsets), for a failed test's message. */
  const pipelineState = async (viaHttp: string[], viaTopic: string[], rounds: number) => {
    const short = async (customers: string[]) => rounds * customers.length - total(await purchaseCounts(system.profileDb, customers));
    const forwarded = new Set(customerEvents.json<{ eventId: string; customerId: string }>().filter((e) => viaTopic.includes(e.customerId)).map((e) => e.eventId)).size;
    const groups = await Promise.all(
      (
        [
          ['ingest', [system.topics.purchase]],
          ['profile', [system.topics.customerEvents]],
          ['segment', [system.topics.profileChanges]],
        ] as const
      ).map(async ([service, topics]) => [service, await system.bus.groupOffsets(groupFor(system.namespace, service), [...topics])] as const),
    );
    return {
      shortViaHttp: await short(viaHttp),
      shortViaTopic: await short(viaTopic),
      forwardedViaTopic: forwarded,
      dlq: dlq.messages.length,
      // Postgres holds the consumers' offsets; Kafka's commit follows it for lag tools only.
      stored: (await system.profileDb.selectFrom('consumer_offsets').selectAll().execute()).map((r) => `${r.group_id.split('segflow-')[1]}:${r.partition}:${r.next_offset}`),
      lag: Object.fromEntries(groups.map(([service, offsets]) => [service, offsets.map((o) => `${o.partition}:${o.committed}/${o.end}`)])),
    };
  };

  /**
   * Two streams of purchases, one over HTTP and one onto the source topic (which ingest
   * forwards), with the broker frozen for `pauseMs` in the middle of them.
   */
  const freezeUnderTraffic = async (pauseMs: number, { onTestFinished, onTestFailed }: Pick<TestContext, 'onTestFinished' | 'onTestFailed'>) => {
    const logged = logs.mark();
    let pausedAt = Infinity;
    onTestFailed(async () => {
      // Per second from the freeze: how requests were answered.
      const bySecond = new Map<number, Record<string, number>>();
      for (const p of posts) {
        const second = Math.floor((p.at + p.ms - pausedAt) / 1000);
        const row = bySecond.get(second) ?? {};
        row[String(p.status)] = (row[String(p.status)] ?? 0) + 1;
        bySecond.set(second, row);
      }
      console.log(`answers per second from the freeze: ${JSON.stringify(Object.fromEntries(bySecond))}`);
      console.log(`errors logged: ${JSON.stringify(logs.messages('error', logged))}`);
      console.log(`pipeline: ${JSON.stringify(await pipelineState(viaHttp, viaTopic, ROUNDS), (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
      console.log(`last service logs:\n${logs.tail()}`);
    });
    // Sending starts 1.5 s before the freeze and goes on for 2.5 s after it.
    const ROUNDS = Math.ceil((1_500 + pauseMs + 2_500) / INTERVAL_MS);
    const viaHttp = Array.from({ length: 10 }, () => uniqueName('c-http'));
    const viaTopic = Array.from({ length: 10 }, () => uniqueName('c-topic'));
    const customers = [...viaHttp, ...viaTopic];
    const health = watchHealth(system.api);
    const posts: PostRecord[] = [];
    const stream = streamPurchases({ customers: viaHttp, rounds: ROUNDS, intervalMs: INTERVAL_MS, deliver: overHttp(system.api, posts) });
    const topicStream = streamPurchases({ customers: viaTopic, rounds: ROUNDS, intervalMs: INTERVAL_MS, deliver: overTopic(upstream, system.topics.purchase) });
    onTestFinished(async () => {
      stream.stop();
      topicStream.stop();
      await health.stop();
    });

    // 1. traffic flows, then the broker freezes: connections stay open, nothing answers
    await eventually(async () => stream.roundsSent(), (n) => n >= 6, { what: 'six rounds sent' });
    await eventually(async () => posts.filter((p) => p.status === 202).length, (n) => n >= 3, { what: 'first requests accepted' });
    signal('SIGSTOP');
    pausedAt = Date.now();
    await sleep(pauseMs);
    signal('SIGCONT');
    const resumedAt = Date.now();

    // 2. the broker is back: requests are accepted again, the consumers catch up by themselves
    await eventually(async () => posts.some((p) => p.status === 202 && p.at + p.ms > resumedAt), Boolean, {
      what: 'POST /v1/events accepted again within 30 s of SIGCONT',
      timeoutMs: 30_000,
    });
    const acceptingAfterMs = Math.min(...posts.filter((p) => p.status === 202 && p.at + p.ms > resumedAt).map((p) => p.at + p.ms)) - resumedAt;
    await eventually(() => statusOf(system.api, '/readyz'), (s) => s === 200, { what: 'ready after SIGCONT', timeoutMs: 30_000 });
    const readyAfterMs = Date.now() - resumedAt;
    await Promise.all([stream.finished, topicStream.finished]);
    const lastAcceptedAt = Date.now();
    const counts = await eventually(() => purchaseCounts(system.profileDb, customers), (c) => total(c) >= ROUNDS * customers.length, {
      what: 'every acknowledged purchase applied',
      timeoutMs: 30_000,
    });
    const drainedAfterMs = Date.now() - lastAcceptedAt;
    await eventually(async () => enteredFigures(membership.json<MembershipEvent>(), customers, [SEGMENT.id]).missing, (m) => m.length === 0, {
      what: 'every customer entered',
      timeoutMs: 30_000,
    });
    await sleep(1_500); // room for a duplicate to show up
    await health.stop();

    const duringPause = posts.filter((p) => p.at + p.ms > pausedAt && p.at < resumedAt);
    const entered = enteredFigures(membership.json<MembershipEvent>(), customers, [SEGMENT.id]);
    // A request that gave up may still have landed later, and was sent again: copies on the topic, deduped by eventId.
    const copies = new Map<string, number>();
    const mine = customerEvents.json<{ eventId: string; customerId: string }>().filter((e) => customers.includes(e.customerId));
    for (const event of mine) copies.set(event.eventId, (copies.get(event.eventId) ?? 0) + 1);
    report(`broker frozen ${pauseMs / 1000} s`, {
      kafkaStartMs,
      pauseMs: resumedAt - pausedAt,
      requestsDuringPause: duringPause.length,
      answeredDuringPause: Object.fromEntries([202, 503].map((s) => [s, duringPause.filter((p) => p.status === s).length])),
      slowestAnswerMs: Math.max(...posts.map((p) => p.ms)),
      acceptingAfterMs,
      readyAfterMs,
      drainedAfterMs,
      readyzDuringPause: [...new Set(health.between(pausedAt, resumedAt).map((s) => s.readyz))],
      sent: ROUNDS * customers.length,
      resentOverHttp: stream.resends(),
      republishedUpstream: topicStream.resends(),
      copiesOnTopicDeduped: [...copies.values()].reduce((n, c) => n + c - 1, 0),
      applied: total(counts),
      entered: entered.entered,
      republished: entered.republished,
      deadLettered: dlq.messages.length,
      errorsLogged: logs.messages('error', logged),
    });

    // Bounded answers: 202 or 503 with Retry-After, never a hang or a 500.
    expect(Math.max(...posts.map((p) => p.ms))).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    const unexpected = posts.filter((p) => p.status !== 202 && !(p.status === 503 && p.retryAfter === '5'));
    expect(unexpected.map((p) => ({ status: p.status, afterSigcontMs: p.at + p.ms - resumedAt })), 'answers other than 202, or 503 with Retry-After').toEqual([]);
    expect(duringPause.filter((p) => p.status === 503).length, 'requests gave up while the broker was frozen').toBeGreaterThan(0);
    expect(acceptingAfterMs).toBeLessThan(5_000);
    expect(readyAfterMs).toBeLessThan(10_000);
    // Nothing acknowledged lost, nothing counted twice, everyone entered once.
    expect(wrongCounts(await purchaseCounts(system.profileDb, customers), ROUNDS)).toEqual({});
    expect(copies.size).toBe(ROUNDS * customers.length);
    expect(entered).toMatchObject({ missing: [], enteredTwice: [], exited: 0 });
    // A valid event forwarded by ingest must not be dead-lettered because the publish failed.
    expect(dlq.messages.map((m) => readDlqHeaders(m)), 'dead-lettered').toEqual([]);
    // Alive throughout, ready afterwards.
    expect(health.samples.filter((s) => s.healthz !== 200)).toEqual([]);
    expect(health.samples.at(-1)).toMatchObject({ healthz: 200, readyz: 200 });
  };

  // Longer than SEGFLOW_PUBLISH_TIMEOUT_MS (5 s): some requests must give up.
  it('answers POST /v1/events within the publish timeout while frozen 7 s, and applies everything acknowledged exactly once after', (context) =>
    freezeUnderTraffic(7_000, context));

  // Longer than the consumers' session timeout (10 s): the broker expires every member when it wakes.
  it('heals by itself when frozen 15 s, longer than the consumer session timeout', (context) => freezeUnderTraffic(15_000, context));
});
