import { createDb, prepareDatabase } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import { createLogger, createMetrics, parseConfig } from '@segflow/observability';
import { contractSettings, httpSettings, lagSettings, runMain, runServices, topicsFor } from '@segflow/service-kit';
import { DEFAULT_PROFILE_LIMITS } from '@segflow/profile-model';
import { createProfileService } from './app.js';
import { ProfileConfig } from './config.js';
import type { ProfileDb } from './data-access/tables.js';

runMain(async () => {
  const config = parseConfig(ProfileConfig, process.env);
  const log = createLogger({ level: config.LOG_LEVEL, name: 'segflow-profile', format: config.LOG_FORMAT });
  // The namespace's own schema: deployments sharing a database stay apart.
  const databaseUrl = await prepareDatabase(config.DATABASE_URL, config.SEGFLOW_NAMESPACE);
  const db = createDb<ProfileDb>(databaseUrl);
  const bus = createKafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: 'segflow-profile', logger: log });
  const metrics = createMetrics();
  const profile = createProfileService({
    db,
    databaseUrl,
    bus,
    log,
    metrics,
    topics: topicsFor(config.SEGFLOW_NAMESPACE),
    namespace: config.SEGFLOW_NAMESPACE,
    partitions: config.SEGFLOW_TOPIC_PARTITIONS,
    baseCurrency: config.SEGFLOW_BASE_CURRENCY,
    fxRates: config.SEGFLOW_FX_RATES,
    limits: { ...DEFAULT_PROFILE_LIMITS, maxCategories: config.SEGFLOW_MAX_CATEGORIES, maxCampaigns: config.SEGFLOW_MAX_CATEGORIES },
    rfmIntervalMs: config.SEGFLOW_RFM_INTERVAL_MS,
    lifecycle: config.SEGFLOW_LIFECYCLE,
    dedupe: { horizonMs: config.SEGFLOW_DEDUPE_HORIZON_HOURS * 3_600_000, expiryIntervalMs: config.SEGFLOW_DEDUPE_EXPIRY_INTERVAL_MS },
    afterDbCommit: config.SEGFLOW_FAILPOINT === 'profile.after-db-commit' ? () => process.kill(process.pid, 'SIGKILL') : undefined,
  });
  await runServices({
    log,
    title: 'segflow profile',
    host: config.HOST,
    port: config.PORT,
    shutdownTimeoutMs: config.SEGFLOW_SHUTDOWN_TIMEOUT_MS,
    apiKeys: config.SEGFLOW_API_KEYS,
    ...httpSettings(config),
    contracts: contractSettings(config),
    modules: [profile],
    metrics,
    bus,
    lag: lagSettings(config),
    resources: [
      { name: 'kafka', close: () => bus.close() },
      { name: 'postgres', close: () => db.destroy() },
    ],
  });
});
