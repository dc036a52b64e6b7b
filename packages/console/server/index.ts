import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { sendProblem } from '@segflow/service-kit';
import type { ServiceModule } from '@segflow/service-kit';
import { CONSOLE_DIST } from './build.js';

export { buildConsole, consoleIsStale, ensureConsoleBuilt, CONSOLE_DIST, CONSOLE_ROOT } from './build.js';

/**
 * The console's own client-side routes, answered with `index.html`. Listed rather than a
 * catch-all, so that `/v1/…`, `/docs`, `/schemas`, the health probes, `/metrics` and
 * `/problems/…` keep their answers, and an unknown path stays a 404 problem.
 */
export const CONSOLE_PAGES = ['/', '/segments', '/segments/*', '/editor', '/customers', '/customers/*', '/ops'] as const;

/**
 * Serves the built console (`dist/`): its hashed assets under `/assets/` (cached for a year),
 * `index.html` for each page in CONSOLE_PAGES (not cached, so a new build shows at the
 * next load). Until the console is built, its pages answer 503 saying how to build it.
 */
export const consoleRoutes =
  (options: { dist?: string } = {}): FastifyPluginAsync =>
  async (app) => {
    const dist = options.dist ?? CONSOLE_DIST;
    const assets = join(dist, 'assets');
    // @fastify/static for sending files (types, ranges, caching headers); the route is ours,
    // so that a missing asset is a 404 problem like any unknown path.
    await app.register(fastifyStatic, { root: assets, serve: false });
    app.get('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
      const { file } = request.params as { file: string };
      const found = /^[\w.-]+$/.test(file) && !file.startsWith('.') && (await stat(join(assets, file)).then((s) => s.isFile(), () => false));
      if (!found) return sendProblem(reply, 'not_found', `no console asset ${file}`);
      // Names carry a hash of their content: never stale.
      return reply.sendFile(file, { immutable: true, maxAge: '365d' });
    });
    for (const url of CONSOLE_PAGES) {
      app.get(url, { schema: { hide: true } }, async (_request, reply) => {
        const html = await readFile(join(dist, 'index.html'), 'utf8').catch(() => null);
        if (html === null) {
          return reply.code(503).type('text/plain; charset=utf-8').send('The segflow console is not built: run `pnpm build:console` (pnpm start builds it).\n');
        }
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
      });
    }
  };

/** The console as a module of a composition root: routes only, nothing to start or stop. */
export const consoleModule = (options: { dist?: string } = {}): ServiceModule => ({
  name: 'console',
  routes: consoleRoutes(options),
  start: async () => undefined,
  stop: async () => undefined,
  readiness: [],
  alive: () => true,
});
