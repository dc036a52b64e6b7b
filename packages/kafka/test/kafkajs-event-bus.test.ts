import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it, vi } from 'vitest';
import { silentLogger } from '../src/bus-logger.js';
import { describeEventBusConformance } from '../src/conformance/event-bus.conformance.js';
import { createKafkaEventBus } from '../src/kafkajs-event-bus.js';

// The testkit global setup provides the brokers; without it (running this file alone), the env.
const kafkaBrokers = (): string[] => {
  try {
    const provided = inject('kafkaBrokers');
    if (Array.isArray(provided) && provided.length > 0) return provided;
  } catch {
    // no global setup: fall through to the environment
  }
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
};

/** A bus of its own (closed when the test ends) and a fresh topic of three partitions holding `count` messages, one per customer. */
const busWithTopic = async (name: string, count: number, onTestFinished: (cleanup: () => Promise<void>) => void) => {
  const bus = createKafkaEventBus({ brokers: kafkaBrokers(), clientId: `${name}-${randomUUID().slice(0, 8)}`, logger: silentLogger });
  onTestFinished(() => bus.close());
  const topic = `${name}-${randomUUID().slice(0, 8)}`;
  await bus.createTopics([{ topic, partitions: 3 }]);
  await bus.publish(topic, Array.from({ length: count }, (_, i) => ({ key: `customer-${i}`, value: `v${i}` })));
  return { bus, topic };
};

describeEventBusConformance('kafkajs event bus', async () => {
  const brokers = kafkaBrokers();
  const client = () => createKafkaEventBus({ brokers, clientId: `conformance-${randomUUID().slice(0, 8)}`, logger: silentLogger });
  return {
    bus: client(),
    newBus: async () => client(),
    topic: (prefix) => `conformance-${prefix}-${randomUUID().slice(0, 8)}`,
  };
});

describe('kafkajs event bus health', () => {
  it('reports a consumer loop that kafkajs will not restart as failed', async ({ onTestFinished }) => {
    const bus = createKafkaEventBus({ brokers: kafkaBrokers(), clientId: `health-${randomUUID().slice(0, 8)}`, logger: silentLogger });
    onTestFinished(() => bus.close());
    const topic = `health-${randomUUID().slice(0, 8)}`;
    await bus.createTopics([{ topic, partitions: 1 }]);
    await bus.publish(topic, [{ key: 'k', value: 'v' }]);

    // A handler bug: a seek to a negative offset is a non-retriable error inside the loop.
    const sub = await bus.subscribe({ groupId: topic, topics: [topic], handler: async () => ({ kind: 'seek', offset: -5n }) });
    onTestFinished(() => sub.stop());
    await vi.waitFor(() => expect(sub.failed).toBe(true), { timeout: 30_000, interval: 50 });
    expect(sub.ready).toBe(false);
  });
});

describe('kafkajs event bus concurrency', () => {
  it('works the batches of several partitions at once, so a slow batch does not hold the others back', async ({ onTestFinished }) => {
    const { bus, topic } = await busWithTopic('concurrent', 30, onTestFinished);

    // Every batch waits until batches of all three partitions are in the handler together:
    // a consumer working one batch at a time would never get there.
    const inside = new Set<number>();
    let together = false;
    const delivered: string[] = [];
    const sub = await bus.subscribe({
      groupId: topic,
      topics: [topic],
      concurrentPartitions: 3,
      handler: async (batch) => {
        inside.add(batch.partition);
        if (inside.size === 3) together = true;
        const deadline = Date.now() + 10_000;
        while (!together && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        delivered.push(...batch.messages.map((m) => m.value!.toString()));
        return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
      },
    });
    onTestFinished(() => sub.stop());
    await vi.waitFor(() => expect(delivered).toHaveLength(30), { timeout: 30_000, interval: 50 });
    expect(together).toBe(true);
  });
});

describe('kafkajs event bus publishing', () => {
  it('sends publishes made at once together, in order per key, and fails only the one the broker refuses', async ({ onTestFinished }) => {
    const bus = createKafkaEventBus({ brokers: kafkaBrokers(), clientId: `publish-${randomUUID().slice(0, 8)}`, logger: silentLogger });
    onTestFinished(() => bus.close());
    const [first, second] = [`publish-a-${randomUUID().slice(0, 8)}`, `publish-b-${randomUUID().slice(0, 8)}`];
    // `first` takes records of at most 2 KB: the broker refuses a larger one (MESSAGE_TOO_LARGE).
    const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: first, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: '2048' }] }],
    });
    await bus.createTopics([{ topic: second, partitions: 1 }]);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i === 17
          ? bus.publish(first, [{ key: 'k0', value: 'x'.repeat(10_000) }])
          : bus.publish(i % 2 === 0 ? first : second, [{ key: `k${i % 3}`, value: `v${i}` }]),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map((_, i) => (i === 17 ? 'rejected' : 'fulfilled')));

    const received = new Map<string, string[]>();
    const sub = await bus.subscribe({
      groupId: first,
      topics: [first, second],
      handler: async (batch) => {
        for (const m of batch.messages) {
          const key = `${batch.topic}/${m.key}`;
          // A shared request the broker refused in part is sent again: duplicates, never gaps.
          const seen = received.get(key) ?? [];
          if (!seen.includes(m.value!.toString())) received.set(key, [...seen, m.value!.toString()]);
        }
        return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
      },
    });
    onTestFinished(() => sub.stop());
    const expected = new Map<string, string[]>();
    for (let i = 0; i < 40; i++) {
      if (i === 17) continue;
      const key = `${i % 2 === 0 ? first : second}/k${i % 3}`;
      expected.set(key, [...(expected.get(key) ?? []), `v${i}`]);
    }
    await vi.waitFor(() => expect(received).toEqual(expected), { timeout: 30_000, interval: 50 });
  });
});

describe('kafkajs event bus offsets in Kafka', () => {
  it('commits every partition\'s offset after its batches, and the batch in flight at stop()', async ({ onTestFinished }) => {
    const { bus, topic } = await busWithTopic('commits', 60, onTestFinished);
    const committed = async () => (await bus.groupOffsets(topic, [topic])).map((p) => ({ partition: p.partition, behind: p.end - (p.committed ?? 0n) }));
    const caughtUp = [0, 1, 2].map((partition) => ({ partition, behind: 0n }));

    let handled = 0;
    let stopping: (() => void) | null = null;
    const sub = await bus.subscribe({
      groupId: topic,
      topics: [topic],
      concurrentPartitions: 3,
      handler: async (batch) => {
        handled += batch.messages.length;
        // The last batch is still in the handler when stop() begins.
        if (stopping) await new Promise<void>((resolve) => setTimeout(resolve, 200));
        return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
      },
    });
    await vi.waitFor(async () => expect(await committed()).toEqual(caughtUp), { timeout: 30_000, interval: 50 });
    expect(handled).toBe(60);

    await bus.publish(topic, [{ key: 'customer-0', value: 'last' }]);
    stopping = () => undefined;
    await vi.waitFor(() => expect(handled).toBe(61), { timeout: 30_000, interval: 10 });
    await sub.stop();
    expect(await committed()).toEqual(caughtUp);
  });
});
