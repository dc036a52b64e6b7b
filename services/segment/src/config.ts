import { z } from 'zod';
import { baseEnv, lifecycleEnv } from '@segflow/service-kit';

export const SegmentConfig = z.object({ ...baseEnv, ...lifecycleEnv });
export type SegmentConfig = z.infer<typeof SegmentConfig>;
