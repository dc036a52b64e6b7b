import { z } from 'zod';
import { baseEnv } from '@segflow/service-kit';

/** Read by the process that hosts the ingest service. */
export const ingestEnv = {
  /** How long `POST /v1/events` waits for Kafka to acknowledge before answering 503. */
  SEGFLOW_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(1).default(5_000),
};

export const IngestConfig = z.object({ ...baseEnv, ...ingestEnv });
export type IngestConfig = z.infer<typeof IngestConfig>;
