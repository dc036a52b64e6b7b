import { randomUUID } from 'node:crypto';
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
    const bus = createKafkaEventBus({ brokers: kafkaBrokers(), clientId: `concurrent-${randomUUID().slice(0, 8)}`, logger: silentLogger });
    onTestFinished(() => bus.close());
    const topic = `concurrent-${randomUUID().slice(0, 8)}`;
    await bus.createTopics([{ topic, partitions: 3 }]);
    await bus.publish(topic, Array.from({ length: 30 }, (_, i) => ({ key: `customer-${i}`, value: `v${i}` })));

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
