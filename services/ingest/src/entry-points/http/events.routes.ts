import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DocumentedEventsRequest, EventsRequest, EventsResponse } from '@segflow/contracts';
import type { EventType } from '@segflow/contracts';
import type { EventBus, OutgoingMessage } from '@segflow/kafka';
import { AppError } from '@segflow/observability';
import type { SegflowMetrics } from '@segflow/observability';
import { problems, sendProblem } from '@segflow/service-kit';
import { acceptEvent } from '../../domain/accept-event.js';

/**
 * `publish`, bounded: while the broker is unreachable kafkajs retries for much longer
 * than a client waits. Past `ms`, a retriable 503; the publish may still land later, which
 * is harmless: a client resends with the same eventIds and the profile service dedupes.
 */
const publishWithin = async (publish: Promise<void>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('unavailable', `Kafka did not acknowledge the events within ${ms} ms; resend them (same eventIds) later`, { status: 503, retriable: true })),
      ms,
    );
  });
  try {
    await Promise.race([publish, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * `POST /v1/events`: one event or `{ events: [...] }`. Each event is validated on its own;
 * the valid ones are published (acknowledged by Kafka) before the answer. 202 with the
 * rejected ones listed when at least one was accepted; 400 when none was; 503 with
 * Retry-After when Kafka has not acknowledged within `publishTimeoutMs`.
 */
export const eventsRoutes =
  (deps: { bus: EventBus; customerEventsTopic: string; now: () => Date; metrics: SegflowMetrics; publishTimeoutMs: number }): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/events',
      {
        config: { scope: 'events:write' }, schema: {
          operationId: 'sendEvents',
          summary: 'Send one event or a batch of up to 1000',
          description:
            'Each event is validated on its own; the valid ones are published to Kafka before the answer. 202 lists the refused ones when at least one was accepted; ' +
            'when none was, 400 lists them all in `rejected` (and their fields, prefixed with `body.` or `body.events[i].`, in `errors`). ' +
            'A resend with the same eventIds is deduplicated, so a 503 can be retried as is.',
          tags: ['events'],
          body: EventsRequest,
          documentedBody: DocumentedEventsRequest,
          response: { 202: EventsResponse, ...problems(400) },
        },
      },
      async (request, reply) => {
        const body: unknown = request.body;
        const batch = 'events' in request.body && Array.isArray(request.body.events);
        const raws = batch ? (request.body.events as unknown[]) : [body];
        const now = deps.now();
        const accepted: OutgoingMessage[] = [];
        const rejected: EventsResponse['rejected'] = [];
        const types: EventType[] = [];
        raws.forEach((raw, index) => {
          const result = acceptEvent(raw, now);
          if (result.ok) {
            accepted.push({ key: result.event.customerId, value: JSON.stringify(result.event) });
            types.push(result.event.type);
          } else {
            const eventId = (raw as { eventId?: unknown } | null)?.eventId;
            rejected.push({ index, ...(typeof eventId === 'string' ? { eventId } : {}), errors: result.errors });
          }
        });
        if (accepted.length === 0) {
          const at = (index: number, path: string) => `body${batch ? `.events[${index}]` : ''}${path === '' ? '' : `.${path}`}`;
          const errors = rejected.flatMap((r) => r.errors.map((e) => ({ path: at(r.index, e.path), message: e.message })));
          return sendProblem(reply, 'validation_failed', batch ? 'every event is invalid' : 'the event is invalid', { errors, rejected });
        }
        await publishWithin(deps.bus.publish(deps.customerEventsTopic, accepted), deps.publishTimeoutMs);
        // Rejected HTTP events are answered (`rejected`), not dead-lettered, so only these count.
        for (const type of types) deps.metrics.countEvents('ingest', type, 'applied');
        return reply.code(202).send({ accepted: accepted.length, rejected });
      },
    );
  };
