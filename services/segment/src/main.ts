import { Redis } from 'ioredis';
import { createDb, prepareDatabase } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import { createLogger, createMetrics, parseConfig } from '@segflow/observability';
import { contractSettings, httpSettings, lagSettings, runMain, runServices, topicsFor } from '@segflow/service-kit';
import { createSegmentService } from './app.js';
import { SegmentConfig } from './config.js';
import { redisOptions } from './data-access/redis-options.js';
import type { SegmentDb } from './data-access/tables.js';

runMain(async () => {
  const config = parseConfig(SegmentConfig, process.env);
  const log = createLogger({ level: config.LOG_LEVEL, name: 'segflow-segment', format: config.LOG_FORMAT });
  // The namespace's own schema: deployments sharing a database stay apart.
  const databaseUrl = await prepareDatabase(config.DATABASE_URL, config.SEGFLOW_NAMESPACE);
  const db = createDb<SegmentDb>(databaseUrl);
  const redis = new Redis(config.REDIS_URL, redisOptions);
  const bus = createKafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: 'segflow-segment', logger: log });
  const metrics = createMetrics();
  const segment = createSegmentService({
    db,
    databaseUrl,
    lifecycle: config.SEGFLOW_LIFECYCLE,
    publicUrl: contractSettings(config).publicUrl,
    redis,
    bus,
    log,
    metrics,
    topics: topicsFor(config.SEGFLOW_NAMESPACE),
    namespace: config.SEGFLOW_NAMESPACE,
    partitions: config.SEGFLOW_TOPIC_PARTITIONS,
    historyRetentionDays: config.SEGFLOW_HISTORY_RETENTION_DAYS,
  });
  await runServices({
    log,
    title: 'segflow segment',
    host: config.HOST,
    port: config.PORT,
    shutdownTimeoutMs: config.SEGFLOW_SHUTDOWN_TIMEOUT_MS,
    apiKeys: config.SEGFLOW_API_KEYS,
    ...httpSettings(config),
    contracts: contractSettings(config),
    // The segment cache's Redis also holds the rate-limit counters, shared by every instance.
    redis,
    modules: [segment],
    metrics,
    bus,
    lag: lagSettings(config),
    resources: [
      { name: 'kafka', close: () => bus.close() },
      { name: 'redis', close: async () => void redis.disconnect() },
      { name: 'postgres', close: () => db.destroy() },
    ],
  });
});
