import { z } from 'zod';
import { baseEnv } from '@segflow/service-kit';
import { ingestEnv } from '@segflow/ingest';
import { profileEnv } from '@segflow/profile';
import { segmentEnv } from '@segflow/segment';

/** All three services in one process share one configuration. */
export const AllConfig = z.object({ ...baseEnv, ...ingestEnv, ...profileEnv, ...segmentEnv });
export type AllConfig = z.infer<typeof AllConfig>;
