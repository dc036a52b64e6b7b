import { z } from 'zod';
import { baseEnv } from '@segflow/service-kit';

export const SegmentConfig = z.object({ ...baseEnv });
export type SegmentConfig = z.infer<typeof SegmentConfig>;
