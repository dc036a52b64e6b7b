import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createDb } from '@segflow/db';
import { createIngestService } from '@segflow/ingest';
import { createMemoryEventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { createProfileService } from '@segflow/profile';
import type { ProfileDb } from '@segflow/profile';
import { createSegmentService } from '@segflow/segment';
import type { SegmentDb } from '@segflow/segment';
import { buildApp, topicsFor } from '@segflow/service-kit';

/** The checked-in copy of the document, which `pnpm openapi` writes and `pnpm openapi:lint` lints. */
export const OPENAPI_FILE = join(import.meta.dirname, '..', '..', '..', 'packages', 'contracts', 'openapi.json');

/**
 * The OpenAPI document `pnpm start` serves at `/docs/json`: the three services' routes on
 * one app, built over clients that never connect (nothing is started).
 */
export const openApiDocument = async (): Promise<Record<string, unknown>> => {
  const log = createLogger({ level: 'silent' });
  const bus = createMemoryEventBus();
  const redis = new Redis({ lazyConnect: true });
  // A pg pool connects on its first query; none is made.
  const profileDb = createDb<ProfileDb>('postgres://127.0.0.1/segflow');
  const segmentDb = createDb<SegmentDb>('postgres://127.0.0.1/segflow');
  const shared = { bus, log, topics: topicsFor(''), namespace: '', partitions: 1, databaseUrl: 'postgres://127.0.0.1/segflow' };
  const app = await buildApp({
    log,
    title: 'segflow',
    modules: [
      createIngestService(shared),
      createProfileService({ ...shared, db: profileDb, baseCurrency: 'EUR', fxRates: {} }),
      createSegmentService({ ...shared, db: segmentDb, redis }),
    ],
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await Promise.all([profileDb.destroy(), segmentDb.destroy(), bus.close()]);
    redis.disconnect();
  }
};
