import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchemas } from '@segflow/contracts';
import type { SegflowMetrics } from '@segflow/observability';
import type { LagMonitor } from './lag-monitor.js';
import { ConsumerLagReport } from './lag-report.js';

// A string is sent as it is under a text content type; the schema only documents it.
const PrometheusText = z.string();
apiSchemas.add(PrometheusText, { description: 'The Prometheus text exposition format.' });
apiSchemas.add(ConsumerLagReport, {
  id: 'ConsumerLag',
  description: 'Per consumer group and partition: the committed and end offsets, the lag, and a status in the manner of Burrow.',
  examples: [
    {
      groups: [
        {
          group: 'segflow.segment',
          status: 'OK',
          lag: 0,
          observedAt: '2026-11-23T10:00:00.000Z',
          partitions: [{ topic: 'profile-changes.v1', partition: 0, committed: 1200, end: 1200, lag: 0, lagSeconds: 0, status: 'OK' }],
        },
      ],
    },
  ],
});

/**
 * `GET /metrics` (Prometheus text, the process's one registry) and `GET /v1/ops/consumer-lag`
 * (the lag monitor's latest evaluation). Both answer from memory, without touching Kafka,
 * except the outbox backlog, which is counted at scrape time within a bound.
 */
export const opsRoutes =
  (deps: { metrics: SegflowMetrics; lag?: LagMonitor }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics of this process',
          tags: ['ops'],
          security: [],
          produces: ['text/plain'],
          response: { 200: PrometheusText },
        },
      },
      async (_request, reply) => {
        const text = await deps.metrics.registry.metrics();
        return reply.type(deps.metrics.registry.contentType).send(text);
      },
    );
    app.get(
      '/v1/ops/consumer-lag',
      {
        config: { scope: 'ops:read' }, schema: {
          operationId: 'getConsumerLag',
          summary: 'Lag of the consumer groups this process runs, per partition, with a Burrow-style status',
          tags: ['ops'],
          response: { 200: ConsumerLagReport },
        },
      },
      async () => deps.lag?.report() ?? { groups: [] },
    );
  };
