export * from './event-bus.js';
export type { BusLogger } from './bus-logger.js';
export { silentLogger } from './bus-logger.js';
export { createKafkaEventBus } from './kafkajs-event-bus.js';
export type { KafkaEventBusOptions } from './kafkajs-event-bus.js';
export { createMemoryBroker, createMemoryEventBus } from './memory-event-bus.js';
export type { MemoryBroker, MemoryEventBusOptions } from './memory-event-bus.js';
export { DLQ_HEADERS, readDlqHeaders, toDlqMessage } from './dlq.js';
export type { DlqFailure, DlqInfo } from './dlq.js';
