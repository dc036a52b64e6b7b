import { z } from 'zod';
import { createKafkaEventBus } from '@segflow/kafka';
import { createLogger, parseConfig } from '@segflow/observability';
import { baseEnv, runMain, topicsFor } from '@segflow/service-kit';

// `pnpm watch [topic]`: prints a topic's messages as they arrive (default
// segment-membership.v1), from the beginning, one JSON line each. Ctrl-C to stop.
runMain(async () => {
  const config = parseConfig(z.object({ KAFKA_BROKERS: baseEnv.KAFKA_BROKERS, SEGFLOW_NAMESPACE: baseEnv.SEGFLOW_NAMESPACE }), process.env);
  const topic = process.argv[2] ?? topicsFor(config.SEGFLOW_NAMESPACE).membership;
  const bus = createKafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: 'segflow-watch', logger: createLogger({ level: 'warn' }) });
  const subscription = await bus.subscribe({
    groupId: `segflow-watch-${process.pid}-${Date.now()}`,
    topics: [topic],
    handler: async (batch) => {
      for (const m of batch.messages) {
        const value = m.value?.toString('utf8') ?? '';
        const headers = Object.keys(m.headers).length > 0 ? ` headers=${JSON.stringify(m.headers)}` : '';
        process.stdout.write(`${topic}[${m.partition}]@${m.offset} key=${m.key ?? ''}${headers}\n${value}\n`);
      }
      return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
    },
  });
  process.stderr.write(`watching ${topic} (Ctrl-C to stop)\n`);
  const stop = async () => {
    await subscription.stop();
    await bus.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
});
