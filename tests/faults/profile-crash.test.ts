import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, namespacedDatabaseUrl } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import type { ProfileDb } from '@segflow/profile';
import { groupFor, topicsFor } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { startServiceProcess } from '../support/processes.js';

const customerEvent = (customerId: string) => ({
  eventId: `evt-${randomUUID()}`,
  type: 'purchase',
  customerId,
  occurredAt: new Date().toISOString(),
  receivedAt: new Date().toISOString(),
  orderId: `o-${randomUUID()}`,
  amount: 10,
  currency: 'EUR',
});

describe('profile consumer killed between its Postgres commit and its Kafka commit', () => {
  const namespace = `${uniqueName('crash')}.`;
  const topics = topicsFor(namespace);
  const groupId = groupFor(namespace, 'profile');
  let database: TestDatabase;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  let bus: EventBus;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    // The services keep the namespace's data in a schema of its own.
    db = createDb<ProfileDb>(namespacedDatabaseUrl(database.url, namespace));
    bus = createKafkaEventBus({ brokers: inject('kafkaBrokers'), clientId: 'crash-test', logger: createLogger({ level: 'warn' }) });
    await bus.createTopics([{ topic: topics.customerEvents, partitions: 1 }]);
    env = {
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      DATABASE_URL: database.url,
      SEGFLOW_NAMESPACE: namespace,
      SEGFLOW_TOPIC_PARTITIONS: '1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await bus?.close();
    await db?.destroy();
    await database?.drop();
  });

  const purchaseCount = async (customerId: string) => {
    const row = await db.selectFrom('profiles').select('state').where('customer_id', '=', customerId).executeTakeFirst();
    return row?.state.purchase.count ?? 0;
  };
  const storedOffset = async () =>
    (await db.selectFrom('consumer_offsets').select('next_offset').where('group_id', '=', groupId).executeTakeFirst())?.next_offset;
  const kafkaCommitted = async () => {
    const admin = new Kafka({ brokers: inject('kafkaBrokers'), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId, topics: [topics.customerEvents] });
      return topic?.partitions[0]?.offset;
    } finally {
      await admin.disconnect();
    }
  };

  it('applies the redelivered batch zero times after a restart', async () => {
    const customerId = uniqueName('c');
    await bus.publish(topics.customerEvents, [1, 2, 3, 4, 5].map(() => ({ key: customerId, value: JSON.stringify(customerEvent(customerId)) })));

    // 1. the first batch commits in Postgres, then the process is SIGKILLed before committing to Kafka
    const doomed = startServiceProcess('profile', { ...env, SEGFLOW_FAILPOINT: 'profile.after-db-commit' });
    const ended = await doomed.exited;
    expect(ended.signal, doomed.output()).toBe('SIGKILL');
    const appliedBeforeCrash = await purchaseCount(customerId);
    expect(appliedBeforeCrash).toBeGreaterThan(0);
    expect(await storedOffset()).toBe(BigInt(appliedBeforeCrash));
    expect(await kafkaCommitted()).toBe('-1'); // Kafka never heard of the batch: it will be redelivered

    // 2. restarted, the consumer gets the same messages again and must not count them twice
    const restarted = startServiceProcess('profile', env);
    try {
      await bus.publish(topics.customerEvents, [{ key: customerId, value: JSON.stringify(customerEvent(customerId)) }]);
      await eventually(kafkaCommitted, (offset) => offset === '6', { what: 'all six messages consumed', timeoutMs: 60_000 });
      expect(await purchaseCount(customerId)).toBe(6);
      expect(await storedOffset()).toBe(6n);
    } finally {
      restarted.child.kill('SIGTERM');
      const stopped = await restarted.exited;
      expect(stopped.code, restarted.output()).toBe(0);
    }
  });
});
