import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchemas } from '@segflow/contracts';
import type { ServiceModule } from './service.js';

const Liveness = z.object({ status: z.enum(['ok', 'dead']), dead: z.array(z.string()) });
const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(z.object({ name: z.string(), optional: z.boolean(), ok: z.boolean() })),
});
apiSchemas.add(Liveness, { id: 'Liveness', description: 'Alive: no consumer loop died; `dead` names the modules whose loop did.', examples: [{ status: 'ok', dead: [] }] });
apiSchemas.add(Readiness, {
  id: 'Readiness',
  description: 'Ready: every check that is not optional passed (Kafka consumers, outbox relays, Postgres; Redis is optional).',
  examples: [{ status: 'ready', checks: [{ name: 'segment.postgres', optional: false, ok: true }, { name: 'segment.redis', optional: true, ok: true }] }],
});

const withTimeout = (check: () => Promise<boolean>, ms: number): Promise<boolean> =>
  Promise.race([
    check().catch(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);

/** `/healthz` (alive: no consumer loop died) and `/readyz` (dependencies answer); both open and fast. */
export const healthRoutes =
  (modules: ServiceModule[]): FastifyPluginAsyncZod =>
  async (app) => {
    const health = (operationId: string, summary: string, schema: z.ZodType) => ({
      schema: { operationId, summary, tags: ['ops'], security: [], response: { 200: schema, 503: schema } },
    });
    app.get('/healthz', health('getLiveness', 'Liveness: 503 once a consumer loop died for good', Liveness), async (_request, reply) => {
      const dead = modules.filter((m) => !m.alive()).map((m) => m.name);
      return reply.code(dead.length === 0 ? 200 : 503).send({ status: dead.length === 0 ? 'ok' : 'dead', dead });
    });
    app.get('/readyz', health('getReadiness', 'Readiness: 503 while a dependency this process needs does not answer', Readiness), async (_request, reply) => {
      const checks = modules.flatMap((m) => m.readiness.map((c) => ({ ...c, name: `${m.name}.${c.name}` })));
      const results = await Promise.all(checks.map(async (c) => ({ name: c.name, optional: c.optional ?? false, ok: await withTimeout(c.check, 1000) })));
      const ready = results.every((r) => r.ok || r.optional);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: results });
    });
  };
