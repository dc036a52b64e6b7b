import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countPendingOutbox, createDb, namespacedDatabaseUrl } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import type { ProfileDb } from '@segflow/profile';
import { groupFor, topicsFor } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { customerEvent } from '../support/events.js';
import { eventually } from '../support/eventually.js';
import { startServiceProcess } from '../support/processes.js';

describe('profile service stopped by SIGTERM in the middle of a backlog', () => {
  const namespace = `${uniqueName('shutdown')}.`;
  const topics = topicsFor(namespace);
  const groupId = groupFor(namespace, 'profile');
  const shutdownTimeoutMs = 10_000;
  let database: TestDatabase;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  let bus: EventBus;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    // The services keep the namespace's data in a schema of its own.
    db = createDb<ProfileDb>(namespacedDatabaseUrl(database.url, namespace));
    bus = createKafkaEventBus({ brokers: inject('kafkaBrokers'), clientId: 'shutdown-test', logger: createLogger({ level: 'warn' }) });
    await bus.createTopics([{ topic: topics.customerEvents, partitions: 1 }]);
  });

  afterAll(async () => {
    await bus?.close();
    await db?.destroy();
    await database?.drop();
  });

  // SELECT … FOR UPDATE on consumer_offsets takes a RowShareLock on it until the batch commits or rolls back.
  const batchInFlight = async (): Promise<boolean> => {
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = 'consumer_offsets' AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db);
    return Number(rows[0]?.n) > 0;
  };
  const storedOffset = async () =>
    (await db.selectFrom('consumer_offsets').select('next_offset').where('group_id', '=', groupId).executeTakeFirst())?.next_offset ?? 0n;

  it('commits whole batches only, flushes its outbox and exits 0 within the bound', async ({ onTestFinished }) => {
    // A backlog of many batches (at most 500 messages each), so that SIGTERM lands mid-stream.
    const total = 20_000;
    const customers = Array.from({ length: 400 }, () => uniqueName('c'));
    for (let i = 0; i < total; i += 1_000) {
      const chunk = Array.from({ length: 1_000 }, (_, j) => customers[(i + j) % customers.length]!);
      await bus.publish(topics.customerEvents, chunk.map((customerId) => ({ key: customerId, value: JSON.stringify(customerEvent(customerId)) })));
    }

    const service = startServiceProcess('profile', {
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      DATABASE_URL: database.url,
      SEGFLOW_NAMESPACE: namespace,
      SEGFLOW_TOPIC_PARTITIONS: '1',
      SEGFLOW_SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      PORT: '0',
      LOG_LEVEL: 'warn',
    });
    // A failed assertion must not leave the service running.
    onTestFinished(() => {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    });
    // Signal while a batch transaction holds its partition's row lock, after one has committed.
    await eventually(async () => (await storedOffset()) > 0n && (await batchInFlight()), Boolean, {
      what: 'a batch in flight after the first commit',
      timeoutMs: 60_000,
      intervalMs: 2,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.output()}`);
    });

    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    const ended = await service.exited;
    const tookMs = Date.now() - signalledAt;

    expect(ended, service.output()).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(shutdownTimeoutMs);
    const stored = await storedOffset();
    expect(stored, 'stopped before the end of the backlog').toBeLessThan(BigInt(total));
    // Every message below the stored offset is applied, none above: no partial batch.
    const profiles = await db.selectFrom('profiles').select('state').execute();
    expect(profiles.reduce((sum, row) => sum + row.state.purchase.count, 0)).toBe(Number(stored));
    const claimed = await db.selectFrom('processed_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(BigInt(claimed.n)).toBe(stored);
    // The Kafka commit (for lag tools) caught up with Postgres, and the outbox went out.
    const [partition] = await bus.groupOffsets(groupId, [topics.customerEvents]);
    expect(partition?.committed).toBe(stored);
    expect(await countPendingOutbox(db, 'profile')).toBe(0);
  });
});
