import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SegflowMetrics } from '@segflow/observability';
import type { LagMonitor } from './lag-monitor.js';
import { ConsumerLagReport } from './lag-report.js';

/**
 * `GET /metrics` (Prometheus text, the process's one registry) and `GET /v1/ops/consumer-lag`
 * (the lag monitor's latest evaluation). Both answer from memory, without touching Kafka,
 * except the outbox backlog, which is counted at scrape time within a bound.
 */
export const opsRoutes =
  (deps: { metrics: SegflowMetrics; lag?: LagMonitor }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const text = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(text);
    });
    app.get(
      '/v1/ops/consumer-lag',
      {
        config: { scope: 'ops:read' }, schema: {
          summary: 'Lag of the consumer groups this process runs, per partition, with a Burrow-style status',
          tags: ['ops'],
          response: { 200: ConsumerLagReport },
        },
      },
      async () => deps.lag?.report() ?? { groups: [] },
    );
  };
