import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiScope } from '@segflow/contracts';
import { jsonEnv } from '@segflow/observability';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from './http-app.js';
import type { AuthFailureBudget } from './rate-limits.js';
import { sendProblem } from './http-errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs to call this route; every `/v1/` route declares one. */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    /** The configured key the request authenticated with; null on open routes or an open API. */
    apiKey: ApiKey | null;
  }
}

/** One API key as configured: a name for logs, the secret, and what it may do. */
export const ApiKey = z.object({
  name: z.string().min(1),
  key: z.string().min(16, 'an API key needs at least 16 characters'),
  scopes: z.array(z.union([ApiScope, z.literal('*')])).min(1),
});
export type ApiKey = z.infer<typeof ApiKey>;

/**
 * `SEGFLOW_API_KEYS`: a JSON list of keys. Unset or empty, the API is open (a warning
 * is logged at start); set, every `/v1/` route asks for `Authorization: Bearer <key>`.
 */
export const apiKeysEnv = jsonEnv(z.array(ApiKey).min(1).nullable().default(null), '[{"name":"crm","key":"…","scopes":["segments:read"]}]');

const digest = (secret: string) => createHash('sha256').update(secret).digest();

/** Finds the configured key a presented secret matches, in time that does not depend on where they differ. */
const keyMatcher = (keys: ApiKey[]) => {
  const digests = keys.map((k) => ({ key: k, digest: digest(k.key) }));
  return (presented: string): ApiKey | null => {
    const candidate = digest(presented);
    let found: ApiKey | null = null;
    for (const d of digests) if (timingSafeEqual(d.digest, candidate)) found = d.key;
    return found;
  };
};

const bearer = (header: string | undefined): string | null => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
};

/**
 * Scopes on the app's routes. Every `/v1/` route must declare `config.scope` (a route that
 * forgets fails at start rather than being open) and is documented with it in OpenAPI.
 * With `keys`, a request needs a key holding that scope: 401 without a known key, 403
 * without the scope; the key found is `request.apiKey`. With `failures`, each 401 counts
 * against the client address, and an address over its budget gets 429 with Retry-After
 * before any key it shows is looked at. Health, `/metrics` and `/docs` stay open. Call
 * before the routes and before OpenAPI is registered.
 */
export const installAuth = (app: HttpApp, keys: ApiKey[] | null, failures: AuthFailureBudget | null = null): void => {
  app.decorateRequest('apiKey', null);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const scope = route.config?.scope;
    if (scope === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no scope`);
    route.schema = { ...route.schema, security: [{ apiKey: [scope] }] };
  });
  if (keys === null) return;
  const match = keyMatcher(keys);
  const tooManyFailures = (reply: FastifyReply, seconds: number) =>
    sendProblem(reply.header('retry-after', String(seconds)), 'rate_limited', `too many failed authentications from this address; retry in ${seconds} s`);
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return;
    const blocked = failures === null ? null : await failures.exhausted(request);
    if (blocked !== null) return tooManyFailures(reply, blocked);
    const presented = bearer(request.headers.authorization);
    const key = presented === null ? null : match(presented);
    if (key === null) {
      const over = failures === null ? null : await failures.spend(request);
      if (over !== null) return tooManyFailures(reply, over);
      return sendProblem(reply.header('www-authenticate', 'Bearer'), 'unauthorized', presented === null ? 'expected Authorization: Bearer <key>' : 'unknown API key');
    }
    request.apiKey = key;
    if (!key.scopes.includes('*') && !key.scopes.includes(scope)) {
      return sendProblem(reply, 'forbidden', `API key ${key.name} lacks the scope ${scope}`);
    }
  });
};
