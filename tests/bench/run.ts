import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createKafkaEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { groupFor, topicsFor } from '@segflow/service-kit';
import type { Topics } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import { MODES, benchInfrastructure, defineSegments, startSegflow } from './segflow.js';
import type { BenchInfrastructure, Mode, Segflow } from './segflow.js';
import { benchScoringModel, benchSegments } from './workload.js';

/** `--mode=all|separate|scaled` and the numeric flags of `defaults` (`--name=N` or `--name N`). */
export const parseBenchArgs = <K extends string>(defaults: Record<K, number>): { mode: Mode } & Record<K, number> => {
  const names = Object.keys(defaults) as K[];
  const { values } = parseArgs({ options: Object.fromEntries([['mode', { type: 'string' }], ...names.map((name) => [name, { type: 'string' }])]) as Record<string, { type: 'string' }> });
  const given = values as Record<string, string | undefined>;
  const mode = (given.mode ?? 'all') as Mode;
  if (!MODES.includes(mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}`);
  const numbers = Object.fromEntries(
    names.map((name) => {
      const value = given[name] === undefined ? defaults[name] : Number(given[name]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
      return [name, value];
    }),
  ) as Record<K, number>;
  return { mode, ...numbers };
};

export interface BenchRun {
  infra: BenchInfrastructure;
  bus: EventBus;
  namespace: string;
  topics: Topics;
  groups: { ingest: string; profile: string; segment: string };
  /** Prefix of this run's customer and event ids. */
  prefix: string;
  segflow: Segflow;
  /** Steps for `finish()` to run, last added first. */
  cleanup: (() => Promise<unknown>)[];
  /** Stops segflow (if still running) and whatever was added to `cleanup`, drops the database. */
  finish(): Promise<void>;
}

/**
 * A fresh namespace and database, segflow started on them in `mode` (child processes, with
 * `env` added to their environment), with the scoring model and `segments` segments defined
 * through the API.
 */
export const startBenchRun = async (options: { mode: Mode; partitions: number; segments: number; clientId: string; env?: Record<string, string> }): Promise<BenchRun> => {
  const infra = await benchInfrastructure();
  const bus = createKafkaEventBus({ brokers: infra.kafkaBrokers, clientId: options.clientId, logger: createLogger({ level: 'warn', name: 'bench' }) });
  const namespace = `${uniqueName('bench')}.`;
  const database = await createTestDatabase(infra.adminDatabaseUrl, 'segflow_bench');
  const cleanup: (() => Promise<unknown>)[] = [];
  let segflow: Segflow | undefined;
  const finish = async () => {
    await segflow?.stop();
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
    await database.drop();
    await bus.close();
    await forgetRedisKeys(infra.redisUrl, namespace);
  };
  try {
    process.stderr.write(`starting segflow (mode ${options.mode}, namespace ${namespace})\n`);
    segflow = await startSegflow({ mode: options.mode, namespace, databaseUrl: database.url, kafkaBrokers: infra.kafkaBrokers, redisUrl: infra.redisUrl, lagPollMs: 250, partitions: options.partitions, env: options.env });
    await defineSegments(segflow, benchSegments(options.segments), benchScoringModel);
  } catch (error) {
    await finish();
    throw error;
  }
  return {
    infra,
    bus,
    namespace,
    topics: topicsFor(namespace),
    groups: { ingest: groupFor(namespace, 'ingest'), profile: groupFor(namespace, 'profile'), segment: groupFor(namespace, 'segment') },
    prefix: namespace.replace('.', '-'),
    segflow,
    cleanup,
    finish,
  };
};

/** Deletes the run's read-model and rate-limit keys (all under its namespace) from Redis. */
export const forgetRedisKeys = async (url: string, namespace: string): Promise<void> => {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      if (next === '0') break;
      cursor = next;
    }
  } catch (error) {
    process.stderr.write(`cleanup of Redis keys: ${String(error)}\n`);
  } finally {
    redis.disconnect();
  }
};
