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
  /** Upper bound on messages handed to the handler at once (default 2000). */
  maxBatchSize?: number;
  /**
   * Partitions whose batches the handler may work at the same time (default 1). Each
   * partition's batches stay in order; a handler that commits per batch must be safe to
   * run for different partitions at once.
   */
  concurrentPartitions?: number;
}

/** A partition whose batches keep failing: the adapter redelivers after a backoff. */
export interface PartitionRetry extends TopicPartition {
  /** Consecutive failed deliveries of the batch at the head of the partition. */
  attempts: number;
  /** When the first of them failed, epoch milliseconds. */
  since: number;
}

export interface Subscription {
  /** Stops fetching, waits for the batch in flight to settle, leaves the group. */
  stop(): Promise<void>;
  /** True while this member is in its group with an assignment (false after a crash until it rejoins). */
  readonly ready: boolean;
  /**
   * True once the consumer loop has died for good without `stop()` being asked: the
   * adapter will deliver nothing more. Health checks report it; a supervisor restarts.
   */
  readonly failed: boolean;
  /** The partitions being retried now (a transient failure, or one not yet isolated). */
  retrying(): PartitionRetry[];
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/** Where a consumer group stands on one partition, as lag tools see it. */
export interface PartitionOffsets extends TopicPartition {
  /** The next offset the group will consume, as committed to the bus; null when it never committed. */
  committed: bigint | null;
  /** The oldest offset still in the log. */
  start: bigint;
  /** The high watermark: the offset the next message appended will get. */
  end: bigint;
}

export interface EventBus {
  /** Resolves once every message is acknowledged by all in-sync replicas (acks = -1). */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: TopicSpec[]): Promise<void>;
  /**
   * The committed and log offsets of `groupId` on every partition of `topics`, whether or
   * not the group has members now. Rejects when a topic does not exist.
   */
  groupOffsets(groupId: string, topics: string[]): Promise<PartitionOffsets[]>;
  close(): Promise<void>;
}

export const partitionKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/** Partitions as a person reads them in a log line: `orders:0-2,5 payments:1`. */
export const describePartitions = (tps: readonly TopicPartition[]): string => {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of tps) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic]
    .map(([topic, partitions]) => {
      const runs: string[] = [];
      const sorted = [...new Set(partitions)].sort((a, b) => a - b);
      for (let i = 0; i < sorted.length; i++) {
        const start = sorted[i]!;
        while (i + 1 < sorted.length && sorted[i + 1] === sorted[i]! + 1) i++;
        runs.push(start === sorted[i] ? `${start}` : `${start}-${sorted[i]}`);
      }
      return `${topic}:${runs.join(',')}`;
    })
    .join(' ');
};
