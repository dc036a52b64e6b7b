import type { FastifyPluginAsync } from 'fastify';
import type { ServiceModule } from './service.js';

const withTimeout = (check: () => Promise<boolean>, ms: number): Promise<boolean> =>
  Promise.race([
    check().catch(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);

/** `/healthz` (alive: no consumer loop died) and `/readyz` (dependencies answer); both open and fast. */
export const healthRoutes =
  (modules: ServiceModule[]): FastifyPluginAsync =>
  async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
      const dead = modules.filter((m) => !m.alive()).map((m) => m.name);
      return reply.code(dead.length === 0 ? 200 : 503).send({ status: dead.length === 0 ? 'ok' : 'dead', dead });
    });
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const checks = modules.flatMap((m) => m.readiness.map((c) => ({ ...c, name: `${m.name}.${c.name}` })));
      const results = await Promise.all(checks.map(async (c) => ({ name: c.name, optional: c.optional ?? false, ok: await withTimeout(c.check, 1000) })));
      const ready = results.every((r) => r.ok || r.optional);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: results });
    });
  };
