import './provided-context.js';

export { ensureLocalKafka, stopLocalKafka, kafkaAnswers, defaultCacheDir, LOCAL_KAFKA_VERSION } from './local-kafka.js';
export type { LocalKafka, LocalKafkaOptions } from './local-kafka.js';
export { provideInfrastructure } from './infrastructure.js';
export type { Infrastructure, InfrastructureOptions, InfrastructureSource } from './infrastructure.js';
export { createTestDatabase, uniqueName } from './databases.js';
export type { TestDatabase } from './databases.js';
export { isPortOpen } from './tcp.js';
export { embeddedPostgresUrl, ensureEmbeddedPostgres, EMBEDDED_POSTGRES_PORT } from './embedded-postgres.js';
export type { EmbeddedPostgresHandle, EmbeddedPostgresOptions } from './embedded-postgres.js';
export { startPrivatePostgres } from './private-postgres.js';
export type { PrivatePostgres } from './private-postgres.js';
