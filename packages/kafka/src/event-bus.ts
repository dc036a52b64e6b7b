/**
 * The EventBus port: what segflow's services need from a log-based message bus.
 * Two adapters implement it (kafkajs and in-memory) and both pass one conformance suite.
 *
 * Offsets are bigint: Kafka offsets are int64, and Postgres stores them as bigint.
 */

export interface BusMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker timestamp, epoch milliseconds. */
  timestamp: number;
}

export interface OutgoingMessage {
  key: string | null;
  value: Buffer | string;
  headers?: Record<string, string>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Messages of one partition, in offset order. */
export interface PartitionBatch extends TopicPartition {
  messages: BusMessage[];
}

/**
 * What the handler tells the adapter once its transaction has ended.
 * - `done`: the batch is durably applied; the adapter commits `nextOffset` to Kafka
 *   (for lag tools only: the handler's own store is the source of truth) and moves on.
 * - `seek`: the handler's store says consumption must resume at `offset`
 *   (the batch started above it); the adapter seeks there and commits nothing.
 * A thrown error means a transient failure: the adapter commits nothing, pauses
 * only this partition, and redelivers the same batch after a backoff.
 */
export type BatchOutcome = { kind: 'done'; nextOffset: bigint } | { kind: 'seek'; offset: bigint };

export type BatchHandler = (batch: PartitionBatch) => Promise<BatchOutcome>;

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  /**
   * Called whenever partitions are assigned to this member; returns the offset to
   * start each one at (key `${topic}:${partition}`), typically read from the
   * handler's database. Partitions absent from the map start at the group's
   * committed Kafka offset, or the earliest offset when there is none.
   */
  startOffsets?: (assigned: TopicPartition[]) => Promise<Map<string, bigint>>;
  /** Backoff after a handler failure, doubling from initialMs up to maxMs. */
  retry?: { initialMs: number; maxMs: number };
  /** Upper bound on messages handed to the handler at once (default 500). */
  maxBatchSize?: number;
}

export interface Subscription {
  /** Stops fetching, waits for the batch in flight to settle, leaves the group. */
  stop(): Promise<void>;
  /** True once this member has joined its group and received an assignment. */
  readonly ready: boolean;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

export interface EventBus {
  /** Resolves once every message is acknowledged by all in-sync replicas (acks = -1). */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: TopicSpec[]): Promise<void>;
  close(): Promise<void>;
}

export const partitionKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;
