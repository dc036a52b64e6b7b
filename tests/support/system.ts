import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createSegflowClient } from '@segflow/client';
import type { components, SegflowClient } from '@segflow/client';
import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { consoleModule } from '@segflow/console';
import { createDb } from '@segflow/db';
import { createIngestService } from '@segflow/ingest';
import { createKafkaEventBus } from '@segflow/kafka';
import type { BusMessage, EventBus, Subscription } from '@segflow/kafka';
import { createLogger, createMetrics } from '@segflow/observability';
import type { SegflowMetrics } from '@segflow/observability';
import type { ProfileDb } from '@segflow/profile';
import { createProfileService } from '@segflow/profile';
import type { SegmentDb } from '@segflow/segment';
import { createSegmentService, redisOptions } from '@segflow/segment';
import { buildApp, createLagMonitor, DEFAULT_RATE_LIMITS, topicsFor } from '@segflow/service-kit';
import type { ApiKey, LagSettings, ServiceModule, Topics } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { LifecycleConfig } from '@segflow/profile-model';

/** A topic's messages as a test sees them, collected by a consumer of its own. */
export interface Collector {
  messages: BusMessage[];
  json<T = unknown>(): T[];
  stop(): Promise<void>;
}

/** Consumes `topic` from the beginning into memory under a fresh consumer group. */
export const collect = async (bus: EventBus, topic: string): Promise<Collector> => {
  const messages: BusMessage[] = [];
  const subscription: Subscription = await bus.subscribe({
    groupId: uniqueName('test-collector'),
    topics: [topic],
    handler: async (batch) => {
      messages.push(...batch.messages);
      return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
    },
  });
  return {
    messages,
    json: <T>() => messages.map((m) => JSON.parse(m.value!.toString('utf8')) as T),
    stop: () => subscription.stop(),
  };
};

/** The REST API's bodies and answers as the OpenAPI document types them (`Schemas['NewSegment']`, …). */
export type Schemas = components['schemas'];

export interface TestSystem {
  url: string;
  /** The typed client generated from the OpenAPI document, pointed at this system. */
  api: SegflowClient;
  /** SEGFLOW_PUBLIC_URL of the system: its own URL, so that the served documents and the CloudEvents point at it. */
  publicUrl: string;
  namespace: string;
  topics: Topics;
  databaseUrl: string;
  kafkaBrokers: string[];
  redisUrl: string;
  profileDb: Kysely<ProfileDb>;
  segmentDb: Kysely<SegmentDb>;
  bus: EventBus;
  redis: Redis;
  /** The running modules, to stop and start one (e.g. the profile consumer) mid-test. */
  modules: ServiceModule[];
  metrics: SegflowMetrics;
  stop(): Promise<void>;
}

/**
 * The three services in this process, on a real Kafka, Postgres and Redis, isolated by
 * their own topic namespace and database, listening on a free port.
 */
export const startSystem = async (
  options: {
    services?: ('ingest' | 'profile' | 'segment')[];
    backfillPageSize?: number;
    lag?: LagSettings;
    /** Another instance of the same deployment: same namespace and database (which it owns). */
    shareWith?: TestSystem;
    /** Lifecycle thresholds (SEGFLOW_LIFECYCLE) for the profile and segment services. */
    lifecycle?: LifecycleConfig;
    /**
     * Dependencies of the test's own instead of the shared ones, for fault tests that stop
     * them: a Postgres admin URL to create the system's database on, a Kafka, a Redis.
     */
    databaseAdminUrl?: string;
    kafkaBrokers?: string[];
    redisUrl?: string;
    /** SEGFLOW_API_KEYS; `system.api` then uses the first key holding `*`. */
    apiKeys?: ApiKey[];
    /** Where the services' logs go instead of stdout (fault tests keep them, to show on failure). */
    logDestination?: { write(line: string): void };
  } = {},
): Promise<TestSystem> => {
  const wanted = new Set(options.services ?? ['ingest', 'profile', 'segment']);
  const namespace = options.shareWith?.namespace ?? `${uniqueName('t')}.`;
  const topics = topicsFor(namespace);
  const database = options.shareWith
    ? { url: options.shareWith.databaseUrl, drop: async () => undefined }
    : await createTestDatabase(options.databaseAdminUrl ?? inject('databaseUrl'));
  const profileDb = createDb<ProfileDb>(database.url);
  const segmentDb = createDb<SegmentDb>(database.url);
  const redisUrl = options.redisUrl ?? options.shareWith?.redisUrl ?? inject('redisUrl');
  const redis = new Redis(redisUrl, redisOptions);
  const log = createLogger({ level: 'warn', name: 'segflow-test' }, options.logDestination);
  const kafkaBrokers = options.kafkaBrokers ?? options.shareWith?.kafkaBrokers ?? inject('kafkaBrokers');
  const bus = createKafkaEventBus({ brokers: kafkaBrokers, clientId: 'segflow-test', logger: log });
  const metrics = createMetrics({ defaultMetrics: false });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const shared = { bus, log, topics, namespace, partitions: 3, metrics };
  const modules: ServiceModule[] = [];
  if (wanted.has('ingest')) modules.push(createIngestService(shared));
  if (wanted.has('profile')) modules.push(createProfileService({ ...shared, db: profileDb, databaseUrl: database.url, baseCurrency: 'EUR', fxRates: { USD: 0.9 }, lifecycle: options.lifecycle }));
  if (wanted.has('segment')) modules.push(createSegmentService({ ...shared, db: segmentDb, databaseUrl: database.url, redis, backfillPageSize: options.backfillPageSize, lifecycle: options.lifecycle, publicUrl }));
  const groups = modules.flatMap((m) => m.consumerGroups ?? []);
  const lag = createLagMonitor({ bus, groups, metrics, log, settings: options.lag ?? { intervalMs: 1_000, window: 10, stoppedAfterMs: 300_000 } });
  // Rate limits as deployed: counters in Redis, under the system's namespace (shareWith instances share them).
  const rateLimit = { ...DEFAULT_RATE_LIMITS, keyPrefix: `${namespace}segflow-rate-limit:` };
  const contracts = { publicUrl, namespace, kafkaBrokers };
  // The console as `pnpm start` serves it (its bundle as last built: tests/console builds it first).
  const app = await buildApp({ log, title: 'segflow test', modules: [...modules, consoleModule()], metrics, lag, rateLimit, redis, contracts, apiKeys: options.apiKeys ?? null });
  for (const module of modules) await module.start();
  lag.start();
  const address = await app.listen({ host: '127.0.0.1', port });
  return {
    url: address,
    api: createSegflowClient({ baseUrl: address, apiKey: options.apiKeys?.find((k) => k.scopes.includes('*'))?.key }),
    publicUrl,
    namespace,
    topics,
    databaseUrl: database.url,
    kafkaBrokers,
    redisUrl,
    profileDb,
    segmentDb,
    bus,
    redis,
    modules,
    metrics,
    stop: async () => {
      await app.close();
      await lag.stop();
      for (const module of [...modules].reverse()) await module.stop();
      await bus.close();
      redis.disconnect();
      await profileDb.destroy();
      await segmentDb.destroy();
      await database.drop();
    },
  };
};

// A port the kernel just handed out and took back: the system's URL is known before it
// listens, since the CloudEvents and served documents name it.
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/**
 * JSON over real HTTP, untyped: only for what a test sends outside the contract on purpose
 * (bodies the client's types refuse, paths the document does not describe); the rest goes
 * through `system.api`.
 */
export const http = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> => {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
};
