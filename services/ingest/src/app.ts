import type { EventType } from '@segflow/contracts';
import { describeFailure, isolatePoison, toDlqMessage } from '@segflow/kafka';
import type { EventBus, Subscription } from '@segflow/kafka';
import { createMetrics, isTransientError } from '@segflow/observability';
import type { Logger, SegflowMetrics } from '@segflow/observability';
import type { ServiceModule, Topics } from '@segflow/service-kit';
import { CONCURRENT_PARTITIONS, consumerReadiness, groupFor, measuredBatches } from '@segflow/service-kit';
import { eventsRoutes } from './entry-points/http/events.routes.js';
import { forwardSourceEvents } from './entry-points/kafka/source-events.handler.js';

export interface IngestDeps {
  bus: EventBus;
  log: Logger;
  topics: Topics;
  namespace: string;
  partitions: number;
  /** The process's metrics; a private registry when not given (tests). */
  metrics?: SegflowMetrics;
  now?: () => Date;
  /** How long `POST /v1/events` waits for Kafka's acknowledgement (SEGFLOW_PUBLISH_TIMEOUT_MS); 5 s by default. */
  publishTimeoutMs?: number;
}

/** The ingest service: HTTP and source topics in, validated events on `customer-events.v1` out. */
export const createIngestService = (deps: IngestDeps): ServiceModule => {
  const { bus, topics } = deps;
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ service: 'ingest' });
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const groupId = groupFor(deps.namespace, 'ingest');
  const typeOfTopic = new Map<string, EventType>([
    [topics.purchase, 'purchase'],
    [topics.pageView, 'page_view'],
    [topics.emailOpen, 'email_open'],
    [topics.traits, 'traits'],
    [topics.identify, 'identify'],
  ]);
  let subscription: Subscription | null = null;
  let untrackRetries: (() => void) | null = null;

  return {
    name: 'ingest',
    routes: eventsRoutes({ bus, customerEventsTopic: topics.customerEvents, now, metrics, publishTimeoutMs: deps.publishTimeoutMs ?? 5_000 }),
    start: async () => {
      await bus.createTopics(
        [...typeOfTopic.keys(), topics.customerEvents, topics.dlq].map((topic) => ({ topic, partitions: deps.partitions })),
      );
      untrackRetries = metrics.trackRetries(groupId, () => subscription?.retrying() ?? []);
      subscription = await bus.subscribe({
        groupId,
        concurrentPartitions: CONCURRENT_PARTITIONS,
        topics: [...typeOfTopic.keys()],
        handler: measuredBatches(
          metrics,
          'ingest',
          // Ingest keeps no state: dead-lettering is publishing the copy, then moving on.
          isolatePoison(forwardSourceEvents({ bus, typeOfTopic, customerEventsTopic: topics.customerEvents, dlqTopic: topics.dlq, now, log, metrics }), {
            isTransient: isTransientError,
            deadLetter: async (message, error) => {
              await bus.publish(topics.dlq, [toDlqMessage(message, { reason: 'processing_failed', errors: [describeFailure(error)] }, now())]);
              metrics.countEvents('ingest', 'unknown', 'dlq');
              return { kind: 'done', nextOffset: message.offset + 1n };
            },
            log,
          }),
        ),
      });
    },
    stop: async () => {
      untrackRetries?.();
      untrackRetries = null;
      await subscription?.stop();
      subscription = null;
    },
    readiness: consumerReadiness(() => subscription),
    alive: () => !(subscription?.failed ?? false),
    consumerGroups: [{ groupId, topics: [...typeOfTopic.keys()] }],
  };
};
