import { z } from 'zod';
import { baseEnv } from '@segflow/service-kit';

export const IngestConfig = z.object({ ...baseEnv });
export type IngestConfig = z.infer<typeof IngestConfig>;
