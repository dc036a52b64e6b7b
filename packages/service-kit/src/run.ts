import type { Logger } from '@segflow/observability';
import { createHttpApp } from './http-app.js';
import type { HttpApp } from './http-app.js';
import { healthRoutes } from './health.js';
import type { ServiceModule } from './service.js';

/** Something to close last, after the services stopped (pools, clients). */
export interface Resource {
  name: string;
  close(): Promise<void>;
}

/** Mounts the modules' routes and health endpoints on one fastify app (no listen). */
export const buildApp = async (options: { log: Logger; title: string; modules: ServiceModule[] }): Promise<HttpApp> => {
  const app = await createHttpApp({ log: options.log, title: options.title });
  await app.register(healthRoutes(options.modules));
  for (const module of options.modules) await app.register(module.routes);
  return app;
};

/**
 * Composition-root runner: starts the modules, listens, and on SIGTERM/SIGINT shuts down
 * in order — stop accepting requests, stop consumers (the batch in flight finishes or
 * rolls back), close clients and pools last — within `shutdownTimeoutMs`, else exits 1.
 */
export const runServices = async (options: {
  log: Logger;
  title: string;
  host: string;
  port: number;
  shutdownTimeoutMs: number;
  modules: ServiceModule[];
  resources: Resource[];
}): Promise<{ app: HttpApp; shutdown: (signal: string) => Promise<void> }> => {
  const { log, modules, resources } = options;
  const app = await buildApp(options);
  for (const module of modules) await module.start();
  await app.listen({ host: options.host, port: options.port });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: options.shutdownTimeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    deadline.unref();
    let failed = false;
    await app.close().catch((err: unknown) => ((failed = true), log.error({ err }, 'closing http failed')));
    for (const module of [...modules].reverse()) {
      await module.stop().catch((err: unknown) => ((failed = true), log.error({ err, module: module.name }, 'stopping failed')));
    }
    for (const resource of [...resources].reverse()) {
      await resource.close().catch((err: unknown) => ((failed = true), log.error({ err, resource: resource.name }, 'closing failed')));
    }
    clearTimeout(deadline);
    log.info({ failed }, 'stopped');
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return { app, shutdown };
};

/** Runs `main`, printing a config or startup error plainly and exiting 1. */
export const runMain = (main: () => Promise<unknown>): void => {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? (error.name === 'ConfigError' ? error.message : (error.stack ?? error.message)) : String(error);
    process.stderr.write(`segflow failed to start: ${message}\n`);
    process.exit(1);
  });
};
