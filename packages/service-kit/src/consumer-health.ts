import type { Subscription } from '@segflow/kafka';
import type { ReadinessCheck } from './service.js';

/** A partition retried for longer than this makes its service unready. */
export const STUCK_PARTITION_AFTER_MS = 30_000;

/**
 * The readiness checks of one consumer: `kafka` (in its group with an assignment) and
 * `partitions` (no partition has been failing and redelivered for longer than
 * `stuckAfterMs`: a database outage, or a failure not yet isolated, shows here instead of
 * hiding behind a healthy group).
 */
export const consumerReadiness = (
  subscription: () => Subscription | null,
  options: { stuckAfterMs?: number; now?: () => number } = {},
): ReadinessCheck[] => {
  const stuckAfterMs = options.stuckAfterMs ?? STUCK_PARTITION_AFTER_MS;
  const now = options.now ?? Date.now;
  return [
    { name: 'kafka', check: async () => subscription()?.ready ?? false },
    { name: 'partitions', check: async () => (subscription()?.retrying() ?? []).every((r) => now() - r.since < stuckAfterMs) },
  ];
};

/**
 * Partitions each service consumer works at once: a batch waiting on Postgres or Kafka no
 * longer holds back the other partitions (lower latency). The services' batches are each
 * a transaction over the customers of one partition, so they are safe side by side.
 */
export const CONCURRENT_PARTITIONS = 6;
