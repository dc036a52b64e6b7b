import { ensureEmbeddedPostgres } from './embedded-postgres.js';
import { ensureLocalKafka } from './local-kafka.js';
import type { StartedService } from './containers.js';
import { isPortOpen } from './tcp.js';

export type InfrastructureSource = 'env' | 'testcontainers' | 'local';

export interface Infrastructure {
  kafkaBrokers: string[];
  /** A superuser URL: tests create their own databases from it (createTestDatabase). */
  databaseUrl: string;
  redisUrl: string;
  /** 'env' when all three came from the environment, else what filled the gaps. */
  source: InfrastructureSource;
  /** Stops only what this call started. */
  stop(): Promise<void>;
}

export interface InfrastructureOptions {
  log?: (line: string) => void;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Kafka, Postgres and Redis for tests: each from KAFKA_BROKERS / DATABASE_URL /
 * REDIS_URL when set; the rest from testcontainers when a Docker engine answers, else
 * from a local Kafka (ensureLocalKafka) and the local Postgres and Redis on their
 * default ports.
 */
export async function provideInfrastructure(opts: InfrastructureOptions = {}): Promise<Infrastructure> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const kafkaFromEnv = env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  const given = {
    kafkaBrokers: kafkaFromEnv?.length ? kafkaFromEnv : undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
  };
  if (given.kafkaBrokers && given.databaseUrl && given.redisUrl) {
    const { kafkaBrokers, databaseUrl, redisUrl } = given;
    return { kafkaBrokers, databaseUrl, redisUrl, source: 'env', stop: async () => undefined };
  }

  // Loaded only here: testcontainers is heavy and only needed when something is missing.
  const containers = await import('./containers.js').catch((error: unknown) => {
    log(`[infra] testcontainers could not be loaded (${String(error)})`);
    return undefined;
  });
  if (containers && (await containers.dockerAvailable())) {
    log('[infra] Docker answers: starting what the environment does not provide with testcontainers');
    const results = await Promise.allSettled([
      given.kafkaBrokers ? undefined : containers.startKafkaContainer(),
      given.databaseUrl ? undefined : containers.startPostgresContainer(),
      given.redisUrl ? undefined : containers.startRedisContainer(),
    ] as const);
    const running = results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    const stop = async (): Promise<void> => {
      await Promise.allSettled(running.map((service) => service.stop()));
    };
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await stop(); // don't leave half the set running
      throw failed.reason;
    }
    const [kafka, postgres, redis] = results;
    return {
      kafkaBrokers: given.kafkaBrokers ?? required(settledValue(kafka)),
      databaseUrl: given.databaseUrl ?? required(settledValue(postgres)),
      redisUrl: given.redisUrl ?? required(settledValue(redis)),
      source: 'testcontainers',
      stop,
    };
  }

  log('[infra] no Docker engine: using a local Kafka and the local Postgres (else an embedded one) and Redis');
  const [kafka, postgres] = await Promise.all([
    given.kafkaBrokers ? undefined : ensureLocalKafka({ log }),
    given.databaseUrl || (await isPortOpen('127.0.0.1', 5432)) ? undefined : ensureEmbeddedPostgres({ log }),
    given.redisUrl ? undefined : requireListening(LOCAL_REDIS_URL, 6379, 'Redis', 'REDIS_URL'),
  ]);
  return {
    kafkaBrokers: given.kafkaBrokers ?? required(kafka).brokers,
    databaseUrl: given.databaseUrl ?? postgres?.url ?? LOCAL_DATABASE_URL,
    redisUrl: given.redisUrl ?? LOCAL_REDIS_URL,
    source: 'local',
    stop: async () => {
      await kafka?.stop();
      await postgres?.stop();
    },
  };
}

function settledValue<T>(result: PromiseSettledResult<StartedService<T> | undefined>): T | undefined {
  return result.status === 'fulfilled' ? result.value?.value : undefined;
}

async function requireListening(url: string, port: number, what: string, variable: string): Promise<void> {
  if (!(await isPortOpen('127.0.0.1', port))) {
    throw new Error(`no ${what} answers at 127.0.0.1:${port}: start one, or set ${variable} (expected ${url})`);
  }
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal: a service that should have started is missing');
  return value;
}
