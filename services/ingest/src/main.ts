import { createKafkaEventBus } from '@segflow/kafka';
import { createLogger, createMetrics, parseConfig } from '@segflow/observability';
import { contractSettings, httpSettings, lagSettings, runMain, runServices, topicsFor } from '@segflow/service-kit';
import { createIngestService } from './app.js';
import { IngestConfig } from './config.js';

runMain(async () => {
  const config = parseConfig(IngestConfig, process.env);
  const log = createLogger({ level: config.LOG_LEVEL, name: 'segflow-ingest', format: config.LOG_FORMAT });
  const bus = createKafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: 'segflow-ingest', logger: log });
  const metrics = createMetrics();
  const ingest = createIngestService({
    bus,
    log,
    metrics,
    topics: topicsFor(config.SEGFLOW_NAMESPACE),
    namespace: config.SEGFLOW_NAMESPACE,
    partitions: config.SEGFLOW_TOPIC_PARTITIONS,
    publishTimeoutMs: config.SEGFLOW_PUBLISH_TIMEOUT_MS,
  });
  await runServices({
    log,
    title: 'segflow ingest',
    host: config.HOST,
    port: config.PORT,
    shutdownTimeoutMs: config.SEGFLOW_SHUTDOWN_TIMEOUT_MS,
    apiKeys: config.SEGFLOW_API_KEYS,
    ...httpSettings(config),
    contracts: contractSettings(config),
    modules: [ingest],
    metrics,
    bus,
    lag: lagSettings(config),
    resources: [{ name: 'kafka', close: () => bus.close() }],
  });
});
