import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSegflowClient } from '@segflow/client';
import type { SegflowClient } from '@segflow/client';
import type { MembershipEvent } from '@segflow/contracts';
import { createDb, namespacedDatabaseUrl } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import type { ProfileDb } from '@segflow/profile';
import { topicsFor } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { startServiceProcess } from '../support/processes.js';
import type { ServiceProcess } from '../support/processes.js';
import { collect } from '../support/system.js';
import type { Collector, Schemas } from '../support/system.js';
import { enteredFigures, freePort, overTopic, purchaseCounts, report, sleep, statusOf, streamPurchases, total, wrongCounts } from './outages.js';

const SEGMENT = { id: 'bought-10', name: 'Bought 10 times', rule: { field: 'purchase.count', op: 'gte', value: 10 } } satisfies Schemas['NewSegment'];
const ROUNDS = 40;

describe('fault suite: the all-in-one process killed (SIGKILL) under traffic and started again', () => {
  const namespace = `${uniqueName('restart')}.`;
  const topics = topicsFor(namespace);
  let database: TestDatabase;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  let bus: EventBus;
  let membership: Collector;
  let dlq: Collector;
  let env: Record<string, string>;
  let api: SegflowClient;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    // The services keep the namespace's data in a schema of its own.
    db = createDb<ProfileDb>(namespacedDatabaseUrl(database.url, namespace));
    bus = createKafkaEventBus({ brokers: inject('kafkaBrokers'), clientId: 'restart-test', logger: createLogger({ level: 'warn' }) });
    await bus.createTopics(Object.values(topics).map((topic) => ({ topic, partitions: 3 })));
    membership = await collect(bus, topics.membership);
    dlq = await collect(bus, topics.dlq);
    const port = await freePort();
    api = createSegflowClient({ baseUrl: `http://127.0.0.1:${port}` });
    env = {
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      SEGFLOW_NAMESPACE: namespace,
      SEGFLOW_TOPIC_PARTITIONS: '3',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await membership?.stop();
    await dlq?.stop();
    await bus?.close();
    await db?.destroy();
    await database?.drop();
  });

  it('is ready and consuming again within seconds, with nothing lost and nothing counted twice', async ({ onTestFinished, onTestFailed }) => {
    const processes: ServiceProcess[] = [];
    const start = () => {
      const started = startServiceProcess('all', env);
      processes.push(started);
      return started;
    };
    onTestFinished(() => {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    });
    onTestFailed(() => console.log(processes.map((p, i) => `--- process ${i + 1} output:\n${p.output().slice(-6_000)}`).join('\n')));
    const ready = (timeoutMs: number) => eventually(() => statusOf(api, '/readyz'), (s) => s === 200, { what: '/readyz 200', timeoutMs, intervalMs: 50 });

    // 1. started cold, a segment defined, purchases flowing onto the source topic
    const coldStartAt = Date.now();
    const first = start();
    await ready(60_000);
    const coldReadyMs = Date.now() - coldStartAt;
    expect((await api.POST('/v1/segments', { body: SEGMENT })).response.status).toBe(201);
    const customers = Array.from({ length: 20 }, () => uniqueName('c-restart'));
    const stream = streamPurchases({
      customers,
      rounds: ROUNDS,
      intervalMs: 250,
      deliver: overTopic(bus, topics.purchase),
    });
    onTestFinished(() => stream.stop());
    await eventually(async () => total(await purchaseCounts(db, customers)), (n) => n >= 8 * customers.length, { what: 'eight rounds applied', timeoutMs: 30_000 });

    // 2. kill -9 mid-stream, start again at once
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    const appliedAtKill = total(await purchaseCounts(db, customers));
    const second = start();
    // The process listens once its consumers have joined their groups: until then nothing answers.
    const answering = eventually(() => statusOf(api, '/healthz'), (s) => s !== 'down', { what: 'answering', timeoutMs: 60_000, intervalMs: 50 }).then(() => Date.now() - killedAt);
    await ready(60_000);
    const readyAfterMs = Date.now() - killedAt;
    const answeringAfterMs = await answering;
    await eventually(async () => total(await purchaseCounts(db, customers)), (n) => n > appliedAtKill, { what: 'consumption resumed', timeoutMs: 30_000, intervalMs: 50 });
    const resumedAfterMs = Date.now() - killedAt;

    // 3. the stream ends: every purchase applied once, every customer entered once
    await stream.finished;
    const lastSentAt = Date.now();
    const counts = await eventually(() => purchaseCounts(db, customers), (c) => total(c) >= ROUNDS * customers.length, { what: 'every purchase applied', timeoutMs: 30_000 });
    const drainedAfterMs = Date.now() - lastSentAt;
    await eventually(async () => enteredFigures(membership.json<MembershipEvent>(), customers, [SEGMENT.id]).missing, (m) => m.length === 0, {
      what: 'every customer entered',
      timeoutMs: 30_000,
    });
    await sleep(1_500); // room for a duplicate to show up
    const entered = enteredFigures(membership.json<MembershipEvent>(), customers, [SEGMENT.id]);
    report('process killed and restarted', {
      coldReadyMs,
      answeringAfterMs,
      readyAfterMs,
      resumedAfterMs,
      drainedAfterMs,
      appliedAtKill,
      sent: ROUNDS * customers.length,
      applied: total(counts),
      entered: entered.entered,
      republished: entered.republished,
      deadLettered: dlq.messages.length,
    });
    // A killed member holds its partitions until its session (10 s) expires; then the new one has them.
    expect(readyAfterMs).toBeLessThan(25_000);
    expect(resumedAfterMs).toBeLessThan(25_000);
    expect(wrongCounts(await purchaseCounts(db, customers), ROUNDS)).toEqual({});
    expect(entered).toMatchObject({ missing: [], enteredTwice: [], exited: 0 });
    expect(dlq.messages).toHaveLength(0);
    expect(await statusOf(api, '/healthz')).toBe(200);

    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });
  });
});
