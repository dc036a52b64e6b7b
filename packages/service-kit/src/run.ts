import { DEFAULT_ASYNCAPI_SETTINGS } from '@segflow/contracts';
import type { AsyncApiSettings } from '@segflow/contracts';
import type { EventBus } from '@segflow/kafka';
import { createMetrics } from '@segflow/observability';
import type { Logger, SegflowMetrics } from '@segflow/observability';
import type { LagSettings, TrustProxy } from './base-config.js';
import type { ApiKey } from './auth.js';
import { createHttpApp } from './http-app.js';
import type { HttpApp, HttpAppOptions } from './http-app.js';
import type { RateLimitRedis, RateLimitSettings } from './rate-limits.js';
import { healthRoutes } from './health.js';
import { createLagMonitor } from './lag-monitor.js';
import type { LagMonitor } from './lag-monitor.js';
import { opsRoutes } from './ops-routes.js';
import { contractRoutes } from './contract-routes.js';
import type { ServiceModule } from './service.js';

/** Something to close last, after the services stopped (pools, clients). */
export interface Resource {
  name: string;
  close(): Promise<void>;
}

/**
 * Mounts the modules' routes, the health endpoints, `/metrics`, `/v1/ops/consumer-lag`,
 * `/docs/asyncapi.json` and `/schemas/` on one fastify app (no listen). Without `metrics`,
 * a registry of its own serves `/metrics`; without `contracts`, the documents describe
 * `pnpm start`'s defaults.
 */
export const buildApp = async (
  options: HttpAppOptions & {
    modules: ServiceModule[];
    metrics?: SegflowMetrics;
    lag?: LagMonitor;
    /** What the AsyncAPI document and JSON Schemas describe; `contractSettings(config)` gives it. */
    contracts?: AsyncApiSettings;
  },
): Promise<HttpApp> => {
  const { log, title, description, apiKeys, rateLimit, redis, trustProxy } = options;
  const app = await createHttpApp({ log, title, description, apiKeys, rateLimit, redis, trustProxy });
  await app.register(healthRoutes(options.modules));
  await app.register(opsRoutes({ metrics: options.metrics ?? createMetrics({ defaultMetrics: false }), lag: options.lag }));
  await app.register(contractRoutes(options.contracts ?? DEFAULT_ASYNCAPI_SETTINGS));
  for (const module of options.modules) await app.register(module.routes);
  return app;
};

/** One step of an orderly shutdown. */
export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

/**
 * Runs `steps` one after the other; a failing step is logged and the next one still runs
 * (pools close even when a consumer did not stop cleanly). Resolves `ok` when every step
 * succeeded within `timeoutMs`; `timedOut` when the bound passed first, naming the step
 * that was still running.
 */
export const shutdownInOrder = async (
  steps: ShutdownStep[],
  timeoutMs: number,
  log: Pick<Logger, 'error'>,
): Promise<{ ok: boolean; timedOut: boolean }> => {
  let failed = false;
  let current = '';
  const all = (async () => {
    for (const step of steps) {
      current = step.name;
      await step.run().catch((err: unknown) => {
        failed = true;
        log.error({ err, step: step.name }, 'shutdown step failed');
      });
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: the process must not slip out with exit code 0 while a step hangs.
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([all.then(() => 'done' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.error({ timeoutMs, step: current }, 'shutdown did not finish in time');
    return { ok: false, timedOut: true };
  }
  return { ok: !failed, timedOut: false };
};

/**
 * Composition-root runner: starts the modules and a lag monitor over their consumer groups,
 * listens, and on SIGTERM/SIGINT shuts down in order — stop accepting requests, stop the
 * lag monitor, stop the modules (consumers stop fetching; the batch in flight commits or
 * rolls back; outbox relays flush), close clients and pools last — within
 * `shutdownTimeoutMs`; exits 0 when all of it succeeded, else 1.
 */
export const runServices = async (options: {
  log: Logger;
  title: string;
  host: string;
  port: number;
  shutdownTimeoutMs: number;
  modules: ServiceModule[];
  resources: Resource[];
  metrics: SegflowMetrics;
  /** Reads the consumer groups' offsets for the lag monitor. */
  bus: Pick<EventBus, 'groupOffsets'>;
  lag: LagSettings;
  apiKeys: ApiKey[] | null;
  /** See HttpAppOptions; `httpSettings(config)` gives rateLimit and trustProxy. */
  rateLimit?: RateLimitSettings | false;
  /** See buildApp; `contractSettings(config)` gives it. */
  contracts?: AsyncApiSettings;
  redis?: RateLimitRedis | null;
  trustProxy?: TrustProxy;
}): Promise<{ app: HttpApp; shutdown: (signal: string) => Promise<void> }> => {
  const { log, modules, resources, metrics } = options;
  if (options.apiKeys === null) log.warn('SEGFLOW_API_KEYS is not set: the API accepts requests without a key');
  const lag = createLagMonitor({
    bus: options.bus,
    groups: modules.flatMap((m) => m.consumerGroups ?? []),
    metrics,
    settings: options.lag,
    log,
  });
  const app = await buildApp({ ...options, lag });
  for (const module of modules) await module.start();
  lag.start();
  await app.listen({ host: options.host, port: options.port });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    const { ok } = await shutdownInOrder(
      [
        { name: 'http', run: () => app.close() },
        { name: 'lag monitor', run: () => lag.stop() },
        ...[...modules].reverse().map((m) => ({ name: m.name, run: () => m.stop() })),
        ...[...resources].reverse().map((r) => ({ name: r.name, run: () => r.close() })),
      ],
      options.shutdownTimeoutMs,
      log,
    );
    log.info({ ok }, 'stopped');
    process.exit(ok ? 0 : 1);
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
