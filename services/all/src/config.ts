import { z } from 'zod';
import { baseEnv } from '@segflow/service-kit';
import { profileEnv } from '@segflow/profile';

/** All three services in one process share one configuration. */
export const AllConfig = z.object({ ...baseEnv, ...profileEnv });
export type AllConfig = z.infer<typeof AllConfig>;
