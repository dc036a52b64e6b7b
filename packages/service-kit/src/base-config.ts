import { z } from 'zod';
import { LifecycleThresholds } from '@segflow/contracts';
import type { AsyncApiSettings } from '@segflow/contracts';
import { jsonEnv } from '@segflow/observability';
import { apiKeysEnv } from './auth.js';
import { DEFAULT_RATE_LIMITS, SYNC_MS } from './rate-limits.js';
import type { RateLimitSettings } from './rate-limits.js';

const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxy => {
    if (value === 'false' || value === '') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    const proxies = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const bad = proxies.find((p) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p) && !['loopback', 'linklocal', 'uniquelocal'].includes(p));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected true, false, a number of hops or addresses/CIDRs, not ${bad}` });
      return z.NEVER;
    }
    return proxies;
  });

/** fastify's `trustProxy`, as SEGFLOW_TRUST_PROXY gives it. */
export type TrustProxy = boolean | number | string[];

// A base URL as users reach the deployment: scheme, host, port and an optional path prefix
// (behind a proxy), normalised without a trailing slash so that paths append to it.
const publicUrl = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    if (url === null || !['http:', 'https:'].includes(url.protocol) || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'expected an absolute http(s) URL without query, fragment or credentials, such as https://segflow.example.com' });
      return z.NEVER;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });

const brokerList = z
  .string()
  .transform((value) => value.split(',').map((b) => b.trim()).filter((b) => b !== ''))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')).min(1, 'expected at least one host:port'));

/**
 * Environment variables every service reads (DESIGN §9). Services extend this object
 * with their own; `parseConfig` reports every bad variable by name.
 */
export const baseEnv = {
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'expected postgres://user@host:port/database' }).default('postgres://postgres@127.0.0.1:5432/segflow'),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected redis://host:port' }).default('redis://127.0.0.1:6379'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: coloured lines for a person; `json`: one JSON object a line for a collector; `auto`: pretty on a terminal. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  /** Prefix for every topic and consumer group, so that several deployments (or tests) share a cluster. */
  SEGFLOW_NAMESPACE: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"').default(''),
  SEGFLOW_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  SEGFLOW_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** How often the lag monitor reads the consumer groups' offsets. */
  SEGFLOW_LAG_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  /** Polls per partition the lag status is judged over (Burrow's window). */
  SEGFLOW_LAG_WINDOW: z.coerce.number().int().min(2).max(1000).default(10),
  /** A partition behind with no progress for this long is STOPPED. */
  SEGFLOW_LAG_STOPPED_AFTER_MS: z.coerce.number().int().min(1).default(300_000),
  /** JSON list of API keys with their scopes; unset, the API is open. */
  SEGFLOW_API_KEYS: apiKeysEnv,
  /** Requests per minute per API key (per client address without one); 0: no limit. */
  SEGFLOW_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(DEFAULT_RATE_LIMITS.perMinute),
  /** How often (ms) each instance settles its request counts with the others' through Redis; 0: on every request. */
  SEGFLOW_RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(0).max(60_000).default(SYNC_MS),
  /** Failed authentications per minute per client address before it gets 429; 0: no limit. */
  SEGFLOW_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(DEFAULT_RATE_LIMITS.failedAuthPerMinute),
  /**
   * Which X-Forwarded-For hops to believe for the client address (rate limits count per
   * address): `false` (default: the socket's peer), `true`, a number of hops, or a
   * comma-separated list of proxy addresses/CIDRs.
   */
  SEGFLOW_TRUST_PROXY: trustProxy.default(false),
  /**
   * Where users reach this deployment, e.g. https://segflow.example.com: the base of the
   * JSON Schemas' `$id`s, the AsyncAPI document and the membership CloudEvents' `source`
   * and `dataschema`. Unset: http://localhost:<PORT>.
   */
  SEGFLOW_PUBLIC_URL: publicUrl.optional(),
};
export const BaseConfig = z.object(baseEnv);

/** Read by the services that derive lifecycle stages (profile's view, segment's rules). */
export const lifecycleEnv = {
  /** Overrides of the lifecycle thresholds, e.g. {"retention":{"minPurchases":3}}. */
  SEGFLOW_LIFECYCLE: jsonEnv(LifecycleThresholds, '{"retention":{"minPurchases":3}}'),
};
export type BaseConfig = z.infer<typeof BaseConfig>;

// Topic and group names are part of the published contract (the AsyncAPI document names them).
export { groupFor, topicsFor } from '@segflow/contracts';
export type { Topics } from '@segflow/contracts';

/** What `/docs/asyncapi.json` and `/schemas/` describe, out of a parsed configuration. */
export const contractSettings = (config: BaseConfig): AsyncApiSettings => ({
  publicUrl: config.SEGFLOW_PUBLIC_URL ?? `http://localhost:${config.PORT}`,
  namespace: config.SEGFLOW_NAMESPACE,
  kafkaBrokers: config.KAFKA_BROKERS,
});

/** The lag monitor's settings out of a parsed configuration. */
export const lagSettings = (config: BaseConfig): LagSettings => ({
  intervalMs: config.SEGFLOW_LAG_POLL_INTERVAL_MS,
  window: config.SEGFLOW_LAG_WINDOW,
  stoppedAfterMs: config.SEGFLOW_LAG_STOPPED_AFTER_MS,
});

/** The HTTP settings of a parsed configuration, for runServices/buildApp. */
export const httpSettings = (config: BaseConfig): { rateLimit: RateLimitSettings; trustProxy: TrustProxy } => ({
  rateLimit: {
    perMinute: config.SEGFLOW_RATE_LIMIT_PER_MINUTE,
    failedAuthPerMinute: config.SEGFLOW_AUTH_FAILURES_PER_MINUTE,
    keyPrefix: `${config.SEGFLOW_NAMESPACE}segflow-rate-limit:`,
    syncMs: config.SEGFLOW_RATE_LIMIT_SYNC_MS,
  },
  trustProxy: config.SEGFLOW_TRUST_PROXY,
});

export interface LagSettings {
  intervalMs: number;
  window: number;
  stoppedAfterMs: number;
}
