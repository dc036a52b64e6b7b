import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultCacheDir, ensureLocalKafka, isPortOpen, stopLocalKafka, uniqueName } from '../src/index.js';
import type { LocalKafka } from '../src/index.js';

const hasJava = !spawnSync('java', ['-version']).error;
const [providedHost, providedPort] = (inject('kafkaBrokers')[0] ?? '').split(':');
const providedIsLocal = providedHost === '127.0.0.1' || providedHost === 'localhost';

describe('local kafka launcher', () => {
  const started: LocalKafka[] = [];
  afterAll(async () => {
    await Promise.all(started.map((kafka) => kafka.stop()));
    await stopLocalKafka({ port: 19094 }); // the persistent one, should its test fail midway
  });

  it.runIf(providedIsLocal)('reuses a broker that already answers on the port', async () => {
    const kafka = await ensureLocalKafka({ port: Number(providedPort), log: () => undefined });

    expect(kafka.startedHere).toBe(false);
    expect(kafka.brokers).toEqual([`127.0.0.1:${providedPort}`]);
    await kafka.stop(); // a no-op: the broker is not ours
    expect(await isPortOpen('127.0.0.1', Number(providedPort))).toBe(true);
  });

  it.runIf(hasJava)(
    'starts a broker that round-trips a message, then stops it',
    async () => {
      const port = 19092;
      const kafka = await ensureLocalKafka({ port, cacheDir: defaultCacheDir() });
      started.push(kafka);
      expect(kafka.startedHere).toBe(true);
      expect(kafka.pid).toBeTypeOf('number');

      const again = await ensureLocalKafka({ port, log: () => undefined });
      expect(again.startedHere).toBe(false);

      const client = new Kafka({ clientId: 'testkit-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
      const topic = uniqueName('testkit-roundtrip');
      const admin = client.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();

      const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k', value: 'hello' }] });
      await producer.disconnect();

      const consumer = client.consumer({ groupId: uniqueName('testkit-group') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
      });
      await consumer.disconnect();
      expect(received).toBe('hello');

      await kafka.stop();
      expect(await isPortOpen('127.0.0.1', port)).toBe(false);
      expect(() => process.kill(kafka.pid ?? -1, 0)).toThrow();
      expect(existsSync(kafka.dataDir ?? '')).toBe(false);
    },
    300_000,
  );

  it.runIf(hasJava)(
    'leaves a persistent broker running until stopLocalKafka stops it',
    async () => {
      const port = 19094;
      const kafka = await ensureLocalKafka({ port, persistent: true, log: () => undefined });
      started.push(kafka);
      expect(kafka.startedHere).toBe(true);

      await kafka.stop();
      expect(await isPortOpen('127.0.0.1', port)).toBe(true);

      expect(await stopLocalKafka({ port })).toBe(true);
      expect(await isPortOpen('127.0.0.1', port)).toBe(false);
      expect(existsSync(kafka.dataDir ?? '')).toBe(false);
      expect(await stopLocalKafka({ port })).toBe(false);
    },
    300_000,
  );
});
