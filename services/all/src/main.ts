import { Redis } from 'ioredis';
import { consoleModule, ensureConsoleBuilt } from '@segflow/console';
import { createDb, prepareDatabase } from '@segflow/db';
import { createIngestService } from '@segflow/ingest';
import { createKafkaEventBus } from '@segflow/kafka';
import { createLogger, createMetrics, parseConfig, prettyLogs } from '@segflow/observability';
import { createProfileService } from '@segflow/profile';
import { DEFAULT_PROFILE_LIMITS } from '@segflow/profile-model';
import type { ProfileDb } from '@segflow/profile';
import { createSegmentService, redisOptions } from '@segflow/segment';
import type { SegmentDb } from '@segflow/segment';
import { contractSettings, httpSettings, lagSettings, runMain, runServices, topicsFor } from '@segflow/service-kit';
import { ensureEmbeddedPostgres, ensureLocalKafka, isPortOpen, kafkaAnswers } from '@segflow/testkit';
import type { EmbeddedPostgresHandle } from '@segflow/testkit';
import { AllConfig } from './config.js';
import { startupBlock, withoutCredentials } from './startup-block.js';

const LOCAL_BROKER = '127.0.0.1:9092';

// `pnpm start`: ingest, profile and segment in one process on one port. When nothing
// answers at the default KAFKA_BROKERS, a local single-node Kafka is started (and left
// running for the next start).
runMain(async () => {
  const config = parseConfig(AllConfig, process.env);
  const log = createLogger({ level: config.LOG_LEVEL, name: 'segflow', format: config.LOG_FORMAT });
  let kafkaSource = `${config.KAFKA_BROKERS.join(',')} (KAFKA_BROKERS)`;
  if (!(await kafkaAnswers(config.KAFKA_BROKERS))) {
    if (config.KAFKA_BROKERS.join(',') !== LOCAL_BROKER) {
      throw new Error(`no Kafka answers at KAFKA_BROKERS=${config.KAFKA_BROKERS.join(',')}`);
    }
    log.info('no Kafka answers at 127.0.0.1:9092; starting a local broker');
    const local = await ensureLocalKafka({ port: 9092, persistent: true, log: (line) => log.info(line) });
    kafkaSource = local.startedHere
      ? `${LOCAL_BROKER}, a local broker started now (data in ${local.dataDir}; left running for the next start)`
      : `${LOCAL_BROKER}, the local broker already running`;
  }
  let databaseUrl = config.DATABASE_URL;
  let postgresSource = `${withoutCredentials(databaseUrl)} (DATABASE_URL)`;
  let embedded: EmbeddedPostgresHandle | null = null;
  const defaultDatabase = new URL(config.DATABASE_URL);
  if (process.env.DATABASE_URL === undefined && !(await isPortOpen(defaultDatabase.hostname, Number(defaultDatabase.port || 5432)))) {
    log.info(`no Postgres answers at ${defaultDatabase.host} and DATABASE_URL is not set; starting an embedded one`);
    embedded = await ensureEmbeddedPostgres({ log: (line) => log.info(line) });
    const url = new URL(embedded.url);
    url.pathname = defaultDatabase.pathname;
    databaseUrl = url.toString();
    postgresSource = `${withoutCredentials(databaseUrl)}, an embedded Postgres (data in ${embedded.dataDir}; stopped with segflow)`;
  }
  // The console at `/`: built now when its bundle is missing or older than its sources.
  // A failed build leaves the API running, and the console's pages say how to build it.
  await ensureConsoleBuilt((line) => log.info(line)).catch((err: unknown) => log.error({ err }, 'the console could not be built; the API runs without it'));
  // The namespace's own schema: deployments sharing a database stay apart.
  databaseUrl = await prepareDatabase(databaseUrl, config.SEGFLOW_NAMESPACE);
  // One pool per service, as when they run apart: a slow one cannot starve the other.
  const profileDb = createDb<ProfileDb>(databaseUrl);
  const segmentDb = createDb<SegmentDb>(databaseUrl);
  const redis = new Redis(config.REDIS_URL, redisOptions);
  const bus = createKafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: 'segflow', logger: log });
  // One registry for the three services: their `service`, `group` and `producer` labels differ.
  const metrics = createMetrics();
  const shared = {
    bus,
    log,
    metrics,
    topics: topicsFor(config.SEGFLOW_NAMESPACE),
    namespace: config.SEGFLOW_NAMESPACE,
    partitions: config.SEGFLOW_TOPIC_PARTITIONS,
  };
  await runServices({
    log,
    title: 'segflow',
    host: config.HOST,
    port: config.PORT,
    shutdownTimeoutMs: config.SEGFLOW_SHUTDOWN_TIMEOUT_MS,
    apiKeys: config.SEGFLOW_API_KEYS,
    ...httpSettings(config),
    contracts: contractSettings(config),
    // Rate-limit counters in Redis: every instance of the deployment shares the budgets.
    redis,
    modules: [
      createIngestService({ ...shared, publishTimeoutMs: config.SEGFLOW_PUBLISH_TIMEOUT_MS }),
      createProfileService({ ...shared, db: profileDb, databaseUrl, baseCurrency: config.SEGFLOW_BASE_CURRENCY, fxRates: config.SEGFLOW_FX_RATES,
        limits: { ...DEFAULT_PROFILE_LIMITS, maxCategories: config.SEGFLOW_MAX_CATEGORIES, maxCampaigns: config.SEGFLOW_MAX_CATEGORIES },
        rfmIntervalMs: config.SEGFLOW_RFM_INTERVAL_MS,
        lifecycle: config.SEGFLOW_LIFECYCLE,
        dedupe: { horizonMs: config.SEGFLOW_DEDUPE_HORIZON_HOURS * 3_600_000, expiryIntervalMs: config.SEGFLOW_DEDUPE_EXPIRY_INTERVAL_MS } }),
      createSegmentService({ ...shared, db: segmentDb, databaseUrl, redis, lifecycle: config.SEGFLOW_LIFECYCLE, publicUrl: contractSettings(config).publicUrl,
        historyRetentionDays: config.SEGFLOW_HISTORY_RETENTION_DAYS }),
      consoleModule(),
    ],
    metrics,
    bus,
    lag: lagSettings(config),
    // Closed last to first: the embedded Postgres after the pools that use it.
    resources: [
      ...(embedded ? [{ name: 'embedded postgres', close: embedded.stop }] : []),
      { name: 'kafka', close: () => bus.close() },
      { name: 'redis', close: async () => void redis.disconnect() },
      { name: 'postgres', close: async () => void (await Promise.all([profileDb.destroy(), segmentDb.destroy()])) },
    ],
  });
  const url = contractSettings(config).publicUrl;
  const facts = {
    url,
    kafka: kafkaSource,
    postgres: postgresSource,
    redis: `${withoutCredentials(config.REDIS_URL)}${redis.status === 'ready' ? '' : ' (not answering yet: reads come from Postgres until it does)'}`,
  };
  if (prettyLogs(config.LOG_FORMAT)) process.stdout.write(startupBlock(facts));
  else log.info({ ...facts, docs: `${url}/docs` }, 'segflow is running');
});
