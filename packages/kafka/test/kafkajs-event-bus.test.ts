import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
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
