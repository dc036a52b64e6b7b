import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '@segflow/observability';
import type { HttpApp } from './http-app.js';
import { sharedCounterStore } from './shared-counters.js';
import type { CounterRedis } from './shared-counters.js';

export interface RateLimitSettings {
  /** Requests per minute per API key, or per client address for a request without a valid key; 0: no limit. */
  perMinute: number;
  /**
   * Failed authentications (401) per minute per client address; past it, every request
   * from that address answers 429 until the minute is over, whatever key it shows (else a
   * guess that hits would still be told apart from one that misses); 0: no limit.
   */
  failedAuthPerMinute: number;
  /** Prefix of the counters' keys in Redis, so that deployments sharing one Redis keep their own budgets. */
  keyPrefix?: string;
  /**
   * With Redis: how often each instance settles its counts with the others' (see
   * sharedCounterStore); 0: every request waits for Redis's count. Absent: SYNC_MS.
   */
  syncMs?: number;
}

/** Generous for an integration (100 requests a second per key), tight for key guessing. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = { perMinute: 6000, failedAuthPerMinute: 60 };
/** Counts settle between instances ten times a second: a round trip to Redis per request costs more than the request. */
export const SYNC_MS = 100;

/**
 * The part of an ioredis client the limiter uses. Pass one that fails fast while Redis is
 * down (`enableOfflineQueue: false`): a failing counter lets the request through.
 */
export interface RateLimitRedis extends CounterRedis {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

/** The failed-authentication budget of client addresses; answers are seconds to wait, or null. */
export interface AuthFailureBudget {
  /** Whether the request's address has spent its budget (nothing is counted). */
  exhausted(request: FastifyRequest): Promise<number | null>;
  /** Counts one failure; whether that one went over the budget. */
  spend(request: FastifyRequest): Promise<number | null>;
}

/** Probes and scrapes run often and from few addresses; they must not be starved. */
const EXEMPT_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
const WINDOW_MS = 60_000;

const address = (request: FastifyRequest) => normalizeIP(request.ip);

/**
 * Budgets per minute (`@fastify/rate-limit`): each route call counts against the API key
 * it authenticated with, or against the client address without one; health endpoints are
 * exempt. Over budget: 429 with Retry-After. With `redis`, the counters are shared by every
 * instance of the deployment, settled every `syncMs` (see sharedCounterStore) or, with 0,
 * on every request; without, each process counts on its own. Call before the
 * routes are added and before installAuth (which spends the failure budget). Returns the
 * failure budget for installAuth and a hook that counts requests no route matched.
 */
export const installRateLimits = async (
  app: HttpApp,
  settings: RateLimitSettings | false,
  redis: RateLimitRedis | null,
): Promise<{ authFailures: AuthFailureBudget | null; unmatched: preHandlerAsyncHookHandler | null }> => {
  if (settings === false || (settings.perMinute === 0 && settings.failedAuthPerMinute === 0)) return { authFailures: null, unmatched: null };
  const prefix = settings.keyPrefix ?? 'segflow-rate-limit:';
  const syncMs = settings.syncMs ?? SYNC_MS;
  const shared = redis === null ? {} : syncMs === 0 ? { redis } : { store: sharedCounterStore(redis, { prefix, syncMs }) };
  await app.register(rateLimit, {
    global: settings.perMinute > 0,
    max: settings.perMinute,
    timeWindow: WINDOW_MS,
    ...shared,
    nameSpace: prefix,
    // Redis down: serve the request rather than refuse everyone.
    skipOnError: true,
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.name}` : `addr:${address(request)}`),
    allowList: (request) => EXEMPT_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', `more than ${context.max} requests in a minute; retry in ${context.after}`, { status: 429 }),
  });
  const unmatched = settings.perMinute > 0 ? (app.rateLimit() as preHandlerAsyncHookHandler) : null;
  if (settings.failedAuthPerMinute === 0) return { authFailures: null, unmatched };

  const failures = app.createRateLimit({ max: settings.failedAuthPerMinute, timeWindow: WINDOW_MS, keyGenerator: (request) => `auth-failed:${address(request)}` });
  const wait = (outcome: Awaited<ReturnType<typeof failures>>) => (!outcome.isAllowed && outcome.isExceeded ? Math.max(1, outcome.ttlInSeconds) : null);
  return {
    authFailures: {
      exhausted: async (request) => wait(await failures(request, { increment: false })),
      spend: async (request) => wait(await failures(request)),
    },
    unmatched,
  };
};
