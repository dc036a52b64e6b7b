// Docker-only code, imported lazily by infrastructure.ts so that nothing else pays for
// loading testcontainers.
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import { kafkaAnswers } from './local-kafka.js';

export interface StartedService<T> {
  value: T;
  stop(): Promise<void>;
}

const KAFKA_IMAGE = 'apache/kafka:3.9.1';
const KAFKA_PORT = 9092; // host-facing listener, advertised with its mapped port
const START_SCRIPT = '/tmp/segflow-start.sh';
// Copied after the script, so the loop never runs a half-written script.
const START_READY = '/tmp/segflow-start.ready';
const CLUSTER_ID = 'c2VnZmxvdy10ZXN0a2l0AA'; // any 16 bytes, base64url: one throwaway cluster
const WAITING_LINE = 'segflow: waiting for the start script';

/** Resolves true when testcontainers finds a working container runtime within timeoutMs. */
export async function dockerAvailable(timeoutMs = 5_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Single-node KRaft broker from the official image. @testcontainers/kafka only drives
 * Confluent images, so this follows testcontainers-java's recipe for apache/kafka:
 * hold the entrypoint until the mapped port is known, then start the broker with
 * that port in advertised.listeners.
 */
export async function startKafkaContainer(): Promise<StartedService<string[]>> {
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts(KAFKA_PORT)
    .withEnvironment({
      CLUSTER_ID,
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${KAFKA_PORT},BROKER://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9094',
      KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withEntrypoint(['sh'])
    .withCommand([
      '-c',
      `echo '${WAITING_LINE}'; while [ ! -f ${START_READY} ]; do sleep 0.1; done; exec sh ${START_SCRIPT}`,
    ])
    .withWaitStrategy(Wait.forLogMessage(WAITING_LINE))
    .start();
  const stop = async (): Promise<void> => {
    await container.stop();
  };
  try {
    const brokers = [`${container.getHost()}:${container.getMappedPort(KAFKA_PORT)}`];
    await container.copyContentToContainer([
      {
        content: `export KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://${brokers[0]},BROKER://localhost:9093\nexec /etc/kafka/docker/run\n`,
        target: START_SCRIPT,
        mode: 0o755,
      },
    ]);
    await container.copyContentToContainer([{ content: '', target: START_READY }]);
    const deadline = Date.now() + 120_000;
    while (!(await kafkaAnswers(brokers, 2_000))) {
      if (Date.now() > deadline) throw new Error(`Kafka container (${KAFKA_IMAGE}) did not answer on ${brokers[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return { value: brokers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** postgres:16-alpine; resolves its superuser connection URL. */
export async function startPostgresContainer(): Promise<StartedService<string>> {
  const container = await new PostgreSqlContainer('postgres:16-alpine').start();
  return { value: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

/** redis:7-alpine; resolves its URL. */
export async function startRedisContainer(): Promise<StartedService<string>> {
  const container = await new RedisContainer('redis:7-alpine').start();
  return { value: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
}
