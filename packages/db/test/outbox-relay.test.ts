import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { createKafkaEventBus, createMemoryEventBus, silentLogger } from '@segflow/kafka';
import type { BusMessage, EventBus, OutgoingMessage } from '@segflow/kafka';
import { createMetrics } from '@segflow/observability';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { createDb, enqueueOutbox, migrateToLatest, readOutboxBacklog, sharedMigrations, startOutboxRelay } from '../src/index.js';
import type { OutboxRelay, SharedTables } from '../src/index.js';

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}
const recordingLog = () => {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  return { entries, log: { info: at('info'), warn: at('warn'), error: at('error') } };
};

/** A bus whose publish can be made to fail; `published` holds the values the inner bus acknowledged, in order. */
const faultyBus = (inner: EventBus) => {
  const published: string[] = [];
  const calls: { topic: string; count: number; bytes: number }[] = [];
  const control = { fail: (_messages: OutgoingMessage[]): Error | null => null };
  const bus: EventBus = {
    ...inner,
    publish: async (topic, messages) => {
      calls.push({ topic, count: messages.length, bytes: messages.reduce((n, m) => n + Buffer.byteLength(m.value) + Buffer.byteLength(m.key ?? ''), 0) });
      const error = control.fail(messages);
      if (error) throw error;
      await inner.publish(topic, messages);
      published.push(...messages.map((m) => String(m.value)));
    },
  };
  return { bus, published, calls, control };
};

const connectionError = () => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });
const tooLarge = () =>
  Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
    name: 'KafkaJSProtocolError',
    type: 'MESSAGE_TOO_LARGE',
    retriable: false,
  });
const big = (label: string, bytes: number) => `${label}:${'x'.repeat(bytes - label.length - 1)}`;

describe('outbox relay', () => {
  let database: TestDatabase;
  let db: Kysely<SharedTables>;
  let kafka: EventBus;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    db = createDb<SharedTables>(database.url);
    await migrateToLatest(db as Kysely<unknown>, 'shared', sharedMigrations);
    kafka = createKafkaEventBus({ brokers: inject('kafkaBrokers'), clientId: uniqueName('outbox-relay-test'), logger: silentLogger });
  });
  afterAll(async () => {
    await kafka?.close();
    await db?.destroy();
    await database?.drop();
  });

  const start = async (options: Partial<Parameters<typeof startOutboxRelay>[0]> & { bus: EventBus }, onTestFinished: (fn: () => Promise<void>) => void) => {
    const relay: OutboxRelay = await startOutboxRelay({
      db,
      databaseUrl: database.url,
      producer: uniqueName('producer'),
      log: recordingLog().log,
      idlePollMs: 50,
      retry: { initialMs: 20, maxMs: 200 },
      ...options,
    });
    onTestFinished(() => relay.stop());
    return relay;
  };

  /** Everything published to a topic of the real broker, read by a fresh consumer group from the start. */
  const consume = async (topic: string, onTestFinished: (fn: () => Promise<void>) => void) => {
    const seen: BusMessage[] = [];
    const subscription = await kafka.subscribe({
      groupId: uniqueName('outbox-relay-test'),
      topics: [topic],
      handler: async (batch) => {
        seen.push(...batch.messages);
        return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
      },
    });
    onTestFinished(() => subscription.stop());
    return seen;
  };

  it('publishes later rows after a publish failed once (a failed drain does not wedge the relay)', async ({ onTestFinished }) => {
    const { bus, published, control } = faultyBus(createMemoryEventBus());
    let failures = 1;
    control.fail = () => (failures-- > 0 ? new Error('refused once') : null);
    const producer = uniqueName('producer');
    const relay = await start({ bus, producer }, onTestFinished);

    await enqueueOutbox(db, producer, [{ topic: 't', key: 'k', value: 'a' }]);
    await relay.flush().catch(() => undefined);
    await enqueueOutbox(db, producer, [{ topic: 't', key: 'k', value: 'b' }]);

    await vi.waitFor(() => expect(published).toEqual(['a', 'b']), { timeout: 5_000, interval: 20 });
    await relay.flush();
    expect(relay.health().consecutiveFailures).toBe(0);
  });

  it('bounds every publish by bytes as well as rows, in id order', async ({ onTestFinished }) => {
    const { bus, published, calls } = faultyBus(createMemoryEventBus());
    const producer = uniqueName('producer');
    const values = Array.from({ length: 30 }, (_, i) => big(`row-${i}`, 100_000));
    await enqueueOutbox(db, producer, values.map((value) => ({ topic: 't', key: 'customer-1', value })));

    const relay = await start({ bus, producer }, onTestFinished);
    await relay.flush();

    expect(published).toEqual(values);
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const call of calls) expect(call.bytes).toBeLessThanOrEqual(512 * 1024);
    expect((await readOutboxBacklog(db, producer)).pending).toBe(0);
  });

  it('publishes a backlog far over the broker\'s request limit in requests it accepts, each row once, in order (real Kafka)', async ({ onTestFinished }) => {
    const topic = uniqueName('outbox-large');
    await kafka.createTopics([{ topic, partitions: 1 }]);
    const { bus, calls } = faultyBus(kafka);
    const producer = uniqueName('producer');
    // 24 × 100 KB is 2.4 MB: as one produce request, over the broker's 1 MB message.max.bytes.
    const values = Array.from({ length: 24 }, (_, i) => big(`row-${i}`, 100_000));
    await enqueueOutbox(db, producer, values.map((value) => ({ topic, key: 'customer-1', value })));

    const relay = await start({ bus, producer }, onTestFinished);
    await relay.flush();

    for (const call of calls) expect(call.bytes).toBeLessThanOrEqual(512 * 1024);
    const seen = await consume(topic, onTestFinished);
    await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(24), { timeout: 30_000, interval: 100 });
    expect(seen.map((m) => m.value!.toString())).toEqual(values);
    expect(await readOutboxBacklog(db, producer)).toEqual({ pending: 0, parked: 0, oldestPendingSeconds: null });
  });

  it('halves a batch the broker refuses until the refused row is alone, parks it, and publishes every other row once', async ({ onTestFinished }) => {
    const { bus, published, calls, control } = faultyBus(createMemoryEventBus());
    control.fail = (messages) => (messages.some((m) => m.value === 'poison') ? tooLarge() : null);
    const producer = uniqueName('producer');
    const values = Array.from({ length: 16 }, (_, i) => (i === 11 ? 'poison' : `change-${i}`));
    await enqueueOutbox(db, producer, values.map((value) => ({ topic: 't', key: 'customer-1', value })));

    const relay = await start({ bus, producer }, onTestFinished);
    await relay.flush();

    expect(published).toEqual(values.filter((v) => v !== 'poison'));
    // 16 → 8 + 8 → 4 + 4 → 2 + 2 → 1 + 1: one refused call per level, and each half once.
    expect(calls.length).toBeLessThanOrEqual(1 + 2 * 4);
    expect(await readOutboxBacklog(db, producer)).toEqual({ pending: 0, parked: 1, oldestPendingSeconds: null });
    expect(relay.health().consecutiveFailures).toBe(0);
  });

  it('parks a row larger than the broker accepts, and publishes the rows behind it (real Kafka)', async ({ onTestFinished }) => {
    const topic = uniqueName('outbox-park');
    await kafka.createTopics([{ topic, partitions: 1 }]);
    const producer = uniqueName('producer');
    const { entries, log } = recordingLog();
    const secret = 'jane.doe@example.com';
    const huge = big(secret, 1_500_000);
    await enqueueOutbox(db, producer, [
      { topic, key: 'customer-1', value: 'before' },
      { topic, key: 'customer-1', value: huge },
      { topic, key: 'customer-1', value: 'after-1' },
      { topic, key: 'customer-2', value: 'after-2' },
    ]);

    const relay = await start({ bus: kafka, producer, log }, onTestFinished);
    await relay.flush();

    const seen = await consume(topic, onTestFinished);
    await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(3), { timeout: 30_000, interval: 100 });
    expect(seen.map((m) => m.value!.toString())).toEqual(['before', 'after-1', 'after-2']);

    const parked = await db.selectFrom('outbox').select(['id', 'parked_at', 'park_reason']).where('producer', '=', producer).execute();
    expect(parked).toHaveLength(1);
    expect(parked[0]!.parked_at).toBeInstanceOf(Date);
    expect(parked[0]!.park_reason).toMatch(/^MESSAGE_TOO_LARGE: /);
    expect(await readOutboxBacklog(db, producer)).toEqual({ pending: 0, parked: 1, oldestPendingSeconds: null });

    const errors = entries.filter((e) => e.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ obj: expect.objectContaining({ producer, id: parked[0]!.id.toString(), topic, bytes: expect.any(Number) }) }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(secret);

    const metrics = createMetrics({ defaultMetrics: false });
    metrics.trackOutbox(producer, () => readOutboxBacklog(db, producer));
    const page = await metrics.registry.metrics();
    expect(page).toContain(`segflow_outbox_parked{producer="${producer}"} 1`);
    expect(page).toContain(`segflow_outbox_pending{producer="${producer}"} 0`);

    const rules = parse(readFileSync(fileURLToPath(new URL('../../../deploy/alert-rules.yml', import.meta.url)), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const exprs = new Map(rules.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr] as const)));
    expect(exprs.get('SegflowOutboxParked')).toContain('segflow_outbox_parked');
    expect(exprs.get('SegflowOutboxStalled')).toContain('segflow_outbox_oldest_pending_seconds');
  });

  it('retries transient failures with backoff, losing and duplicating nothing', async ({ onTestFinished }) => {
    const { bus, published, control } = faultyBus(createMemoryEventBus());
    let failures = 3;
    control.fail = () => (failures-- > 0 ? connectionError() : null);
    const producer = uniqueName('producer');
    const { entries, log } = recordingLog();
    const values = Array.from({ length: 20 }, (_, i) => `change-${i}`);
    await enqueueOutbox(db, producer, values.map((value, i) => ({ topic: 't', key: `customer-${i % 3}`, value })));

    const relay = await start({ bus, producer, log }, onTestFinished);

    await vi.waitFor(() => expect(published).toEqual(values), { timeout: 10_000, interval: 20 });
    await relay.flush();
    expect(published).toEqual(values);
    expect(entries.filter((e) => e.level === 'warn')).toHaveLength(3);
    expect(entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(relay.health().consecutiveFailures).toBe(0);
    expect(await readOutboxBacklog(db, producer)).toEqual({ pending: 0, parked: 0, oldestPendingSeconds: null });
  });

  it('parks nothing on a deterministic failure that is not about the rows: it retries and reports stalled', async ({ onTestFinished }) => {
    const { bus, published, control } = faultyBus(createMemoryEventBus());
    let down = true;
    const authorization = () => Object.assign(new Error('Not authorized to access topics'), { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' });
    control.fail = () => (down ? authorization() : null);
    const producer = uniqueName('producer');
    const relay = await start({ bus, producer }, onTestFinished);
    // The second relay starts once the first leads, or it might win the lock instead.
    await vi.waitFor(() => expect(relay.isLeader).toBe(true), { timeout: 5_000, interval: 20 });
    const follower = await start({ bus, producer }, onTestFinished);
    await enqueueOutbox(db, producer, [{ topic: 't', key: 'k', value: 'a' }]);

    await vi.waitFor(() => expect(relay.health().consecutiveFailures).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 20 });
    const later = new Date(Date.now() + 31_000);
    expect(relay.stalled()).toBe(false);
    expect(relay.stalled(later)).toBe(true);
    expect(relay.health(later)).toMatchObject({ leader: true, lastPublishedAt: null, stalled: true });
    expect(relay.health(later).oldestPendingAgeMs).toBeGreaterThanOrEqual(30_000);
    expect(follower.isLeader).toBe(false);
    expect(follower.stalled(later)).toBe(false);
    expect(await readOutboxBacklog(db, producer)).toMatchObject({ pending: 1, parked: 0 });

    down = false;
    await vi.waitFor(() => expect(published).toEqual(['a']), { timeout: 5_000, interval: 20 });
    await relay.flush();
    expect(relay.stalled(later)).toBe(false);
    expect(relay.health()).toMatchObject({ consecutiveFailures: 0, oldestPendingAgeMs: null, lastPublishedAt: expect.any(Date) });
  });

  it('reconnects after losing its session, and publishes again', async ({ onTestFinished }) => {
    const { bus, published } = faultyBus(createMemoryEventBus());
    const producer = uniqueName('producer');
    const { entries, log } = recordingLog();
    const relay = await start({ bus, producer, log }, onTestFinished);
    await vi.waitFor(() => expect(relay.isLeader).toBe(true), { timeout: 5_000, interval: 20 });
    const applicationName = `segflow-outbox-relay:${producer}`;
    const sessions = async () =>
      (await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE application_name = ${applicationName}`.execute(db)).rows.map((r) => r.pid);
    const [before] = await sessions();

    // What a database restart or failover does to the session; unheard, its 'error' would end the process.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${applicationName}`.execute(db);
    await vi.waitFor(
      async () => {
        const now = await sessions();
        expect(now).toHaveLength(1);
        expect(now[0]).not.toBe(before);
        expect(relay.isLeader).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(entries.some((e) => e.level === 'warn' && e.msg?.includes('session lost'))).toBe(true);

    await enqueueOutbox(db, producer, [{ topic: 't', key: 'k', value: 'after reconnect' }]);
    await vi.waitFor(() => expect(published).toEqual(['after reconnect']), { timeout: 5_000, interval: 20 });
  });

  describe('rows published by their own process after commit', () => {
    const leaderAndFollower = async (producer: string, onTestFinished: (fn: () => Promise<void>) => void) => {
      const a = faultyBus(createMemoryEventBus());
      const leader = await start({ bus: a.bus, producer }, onTestFinished);
      await vi.waitFor(() => expect(leader.isLeader).toBe(true), { timeout: 5_000, interval: 20 });
      const b = faultyBus(createMemoryEventBus());
      const follower = await start({ bus: b.bus, producer }, onTestFinished);
      await vi.waitFor(() => expect(follower.lease()).not.toBeNull(), { timeout: 5_000, interval: 20 });
      expect(follower.isLeader).toBe(false);
      return { leader, follower, publishedByLeader: a.published, publishedByFollower: b.published };
    };
    const enqueueIn = (producer: string, messages: { key: string; value: string }[], relay: OutboxRelay | null) =>
      db.transaction().execute((trx) => enqueueOutbox(trx, producer, messages.map((m) => ({ topic: 't', ...m })), relay?.lease() ?? null));

    it('publishes them once, and no relay touches them while that process lives', async ({ onTestFinished }) => {
      const producer = uniqueName('producer');
      const { leader, follower, publishedByLeader, publishedByFollower } = await leaderAndFollower(producer, onTestFinished);
      const leased = await enqueueIn(producer, [{ key: 'c-1', value: 'entered' }, { key: 'c-2', value: 'exited' }], follower);
      expect(leased.map((r) => r.value)).toEqual(['entered', 'exited']);

      await leader.flush();
      expect(publishedByLeader).toEqual([]);
      await follower.publishLeased(leased);
      expect(publishedByFollower).toEqual(['entered', 'exited']);
      await leader.flush();
      expect(publishedByLeader).toEqual([]);
      expect(await readOutboxBacklog(db, producer)).toEqual({ pending: 0, parked: 0, oldestPendingSeconds: null });
    });

    it('leaves the rows of a process that died to the relay, and a key\'s later rows go out after them', async ({ onTestFinished }) => {
      const producer = uniqueName('producer');
      const { leader, follower, publishedByLeader, publishedByFollower } = await leaderAndFollower(producer, onTestFinished);
      await enqueueIn(producer, [{ key: 'c-1', value: 'c-1 entered' }], follower);
      await follower.stop(); // its session ends as a killed process's does, before it published

      const later = await enqueueIn(producer, [{ key: 'c-1', value: 'c-1 exited' }, { key: 'c-2', value: 'c-2 entered' }], leader);
      expect(later.map((r) => r.value)).toEqual(['c-2 entered']); // c-1 has a row waiting: its exit goes through the relay
      await leader.flush();
      expect(publishedByLeader).toEqual(['c-1 entered', 'c-1 exited']);
      await leader.publishLeased(later);
      expect(publishedByLeader).toEqual(['c-1 entered', 'c-1 exited', 'c-2 entered']);
      expect(publishedByFollower).toEqual([]);
      expect((await readOutboxBacklog(db, producer)).pending).toBe(0);
    });

    it('holds a key\'s later rows behind its row leased to a live process', async ({ onTestFinished }) => {
      const producer = uniqueName('producer');
      const { leader, follower, publishedByLeader, publishedByFollower } = await leaderAndFollower(producer, onTestFinished);
      const first = await enqueueIn(producer, [{ key: 'c-1', value: 'c-1 entered' }], follower);
      await enqueueIn(producer, [{ key: 'c-1', value: 'c-1 exited' }, { key: 'c-2', value: 'c-2 entered' }], null);

      await leader.flush();
      expect(publishedByLeader).toEqual(['c-2 entered']);
      await follower.publishLeased(first);
      await leader.flush();
      expect(publishedByFollower).toEqual(['c-1 entered']);
      expect(publishedByLeader).toEqual(['c-2 entered', 'c-1 exited']);
    });

    it('hands the rows to the relay when publishing them fails', async ({ onTestFinished }) => {
      const { bus, published, control } = faultyBus(createMemoryEventBus());
      let failures = 1;
      control.fail = () => (failures-- > 0 ? connectionError() : null);
      const producer = uniqueName('producer');
      const relay = await start({ bus, producer }, onTestFinished);
      await vi.waitFor(() => expect(relay.lease()).not.toBeNull(), { timeout: 5_000, interval: 20 });
      const leased = await enqueueIn(producer, [{ key: 'c-1', value: 'a' }, { key: 'c-1', value: 'b' }], relay);
      expect(leased).toHaveLength(2);

      await relay.publishLeased(leased); // refused once: never throws
      expect(published).toEqual([]);
      await vi.waitFor(() => expect(published).toEqual(['a', 'b']), { timeout: 5_000, interval: 20 });
      await relay.flush();
      expect(published).toEqual(['a', 'b']);
      expect((await readOutboxBacklog(db, producer)).pending).toBe(0);
    });
  });
});
