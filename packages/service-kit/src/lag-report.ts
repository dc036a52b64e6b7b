import { z } from 'zod';
import { LAG_STATUSES } from '@segflow/observability';

export const LagStatusBody = z.enum(LAG_STATUSES);

/** One partition of one group in `GET /v1/ops/consumer-lag`. */
export const PartitionLagReport = z.object({
  topic: z.string(),
  partition: z.number().int(),
  /** The next offset the group will consume; null when the group never committed here. */
  committed: z.number().int().nullable(),
  end: z.number().int(),
  lag: z.number().int().nonnegative(),
  /** Age of the oldest unprocessed message: a lower bound, accurate to one poll interval. */
  lagSeconds: z.number().nonnegative(),
  status: LagStatusBody,
});
export type PartitionLagReport = z.infer<typeof PartitionLagReport>;

export const GroupLagReport = z.object({
  group: z.string(),
  /** The worst status of its partitions. */
  status: LagStatusBody,
  lag: z.number().int().nonnegative(),
  /** When these offsets were read; null before the first successful read. */
  observedAt: z.iso.datetime().nullable(),
  /** Why the last read failed, if it did; the partitions are then those of the last good read. */
  error: z.string().optional(),
  partitions: z.array(PartitionLagReport),
});
export type GroupLagReport = z.infer<typeof GroupLagReport>;

/** `GET /v1/ops/consumer-lag`: the consumer groups this process runs. */
export const ConsumerLagReport = z.object({ groups: z.array(GroupLagReport) });
export type ConsumerLagReport = z.infer<typeof ConsumerLagReport>;
