import { randomUUID } from 'node:crypto';
import { describeEventBusConformance } from './conformance/event-bus.conformance.js';
import { createMemoryBroker, createMemoryEventBus } from './memory-event-bus.js';

describeEventBusConformance('memory event bus', async () => {
  const broker = createMemoryBroker();
  return {
    bus: createMemoryEventBus({ broker }),
    newBus: async () => createMemoryEventBus({ broker }),
    topic: (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`,
  };
});
