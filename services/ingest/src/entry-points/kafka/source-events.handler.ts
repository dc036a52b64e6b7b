import type { EventType } from '@segflow/contracts';
import type { BatchHandler, EventBus, OutgoingMessage } from '@segflow/kafka';
import { toDlqMessage } from '@segflow/kafka';
import type { Logger, SegflowMetrics } from '@segflow/observability';
import { acceptSourceMessage } from '../../domain/accept-event.js';

/**
 * Forwards valid source-topic events to `customer-events.v1` (key = customerId) and
 * invalid ones to the DLQ with reason and origin. Ingest keeps no state of its own, so
 * it commits to Kafka after the broker acknowledged both: a crash in between forwards
 * the batch again, and the profile service's eventId dedupe absorbs the repeat.
 */
export const forwardSourceEvents =
  (deps: {
    bus: EventBus;
    typeOfTopic: ReadonlyMap<string, EventType>;
    customerEventsTopic: string;
    dlqTopic: string;
    now: () => Date;
    log: Logger;
    metrics: SegflowMetrics;
  }): BatchHandler =>
  async (batch) => {
    const expectedType = deps.typeOfTopic.get(batch.topic);
    if (!expectedType) throw new Error(`no event type for topic ${batch.topic}`);
    const now = deps.now();
    const forward: OutgoingMessage[] = [];
    const rejected: OutgoingMessage[] = [];
    for (const message of batch.messages) {
      const result = acceptSourceMessage(message.value, expectedType, now);
      if (result.ok) {
        forward.push({ key: result.event.customerId, value: JSON.stringify(result.event) });
      } else {
        rejected.push(toDlqMessage(message, { reason: result.reason, errors: result.errors }, now));
      }
    }
    if (forward.length > 0) await deps.bus.publish(deps.customerEventsTopic, forward);
    if (rejected.length > 0) {
      await deps.bus.publish(deps.dlqTopic, rejected);
      deps.log.warn({ topic: batch.topic, partition: batch.partition, count: rejected.length }, 'invalid events sent to the DLQ');
    }
    // Counted once both publishes are acknowledged; a retried batch is counted when it succeeds.
    deps.metrics.countEvents('ingest', expectedType, 'applied', forward.length);
    deps.metrics.countEvents('ingest', expectedType, 'dlq', rejected.length);
    const last = batch.messages.at(-1);
    return { kind: 'done', nextOffset: last ? last.offset + 1n : 0n };
  };
