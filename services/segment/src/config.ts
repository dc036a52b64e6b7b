import { z } from 'zod';
import { baseEnv, lifecycleEnv } from '@segflow/service-kit';

export const segmentEnv = {
  /** How long membership intervals (and the size and results counters) are kept after they end. */
  SEGFLOW_HISTORY_RETENTION_DAYS: z.coerce.number().int('expected a whole number of days').min(1, 'expected at least 1 day').max(36_500, 'expected at most 36500 days').default(400),
};

export const SegmentConfig = z.object({ ...baseEnv, ...lifecycleEnv, ...segmentEnv });
export type SegmentConfig = z.infer<typeof SegmentConfig>;
