import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import helmet from 'helmet';
import type { HelmetOptions } from 'helmet';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { LIMITS, toFieldErrors } from '@segflow/contracts';
import type { Logger } from '@segflow/observability';
import { installAuth } from './auth.js';
import type { ApiKey } from './auth.js';
import type { TrustProxy } from './base-config.js';
import { clientErrorHandler, frameworkErrors, handleError, installProblemTypes, RequestValidationError, sendProblem } from './http-errors.js';
import { API_DESCRIPTION, API_TAGS, openApiDocumentTransform, openApiRouteTransform, SECURITY_SCHEMES } from './openapi.js';
import { DEFAULT_RATE_LIMITS, installRateLimits } from './rate-limits.js';
import type { RateLimitRedis, RateLimitSettings } from './rate-limits.js';
import { installRequestGuard } from './request-guard.js';
import { RequestLogController } from './request-log.js';

// Re-exported here so that the package index, which lists modules, need not change.
export * from './http-errors.js';
export * from './rate-limits.js';
export * from './openapi.js';
export * from './conditional-requests.js';
export { SLOW_REQUEST_MS } from './request-log.js';
export { unfitUrl } from './request-guard.js';

export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Longest path segment accepted: a 128-character customer id, every character percent-encoded as UTF-8 (≤ 1,152), with room. */
export const MAX_PARAM_LENGTH = 2048;

export interface HttpAppOptions {
  log: Logger;
  title: string;
  description?: string;
  /** API keys and their scopes; null or absent: the API is open. */
  apiKeys?: ApiKey[] | null;
  /** Request budgets; absent: DEFAULT_RATE_LIMITS; false: none. */
  rateLimit?: RateLimitSettings | false;
  /** Shares the rate-limit counters between instances; absent, each process counts on its own. */
  redis?: RateLimitRedis | null;
  /** Which proxies' X-Forwarded-For to believe for the client address; absent: none. */
  trustProxy?: TrustProxy;
}

// fastify takes a hop count too, but its types do not say so: the same as a function.
const trustProxy = (setting: TrustProxy) => (typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting);

/**
 * For the hottest reads: a route's 200 answers written by JSON.stringify as the handler
 * built them, without zod checking each one first (half the cost of such a request).
 * TypeScript holds the handler to the schema; other statuses keep the checked serializer.
 */
export const uncheckedOkSerializer = <S>(route: { schema: S; method: string; url: string; httpStatus?: string }): ((data: unknown) => string) =>
  route.httpStatus === '200' ? (data) => JSON.stringify(data) : serializerCompiler(route as unknown as Parameters<typeof serializerCompiler>[0]);

/**
 * Helmet's security headers, worked out once: none of them depends on the request, and
 * building them per request (as the fastify plugin does) cost a few percent of the API's time.
 */
const securityHeaders = (options: HelmetOptions): Record<string, string> => {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
};

/**
 * A fastify app with zod schemas for validation, serialisation and OpenAPI 3.1 at
 * `/docs` (JSON at `/docs/json`); security headers (helmet); a 400 for a path or query
 * holding control characters; rate limits (see installRateLimits); API-key scopes on
 * `/v1/` routes (see installAuth); JSON bodies only (415 otherwise), an empty one taken as
 * none; every error — fastify's own included — as RFC 9457 problem details (see
 * sendProblem), 405 with Allow for a known path and another method, dependency outages as
 * 503 with Retry-After (see answerFor); one log line per request (see RequestLogController).
 */
export const createHttpApp = async (options: HttpAppOptions): Promise<HttpApp> => {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    logController: new RequestLogController(),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrors(MAX_PARAM_LENGTH),
    clientErrorHandler,
    trustProxy: trustProxy(options.trustProxy ?? false),
    bodyLimit: LIMITS.bodyBytes,
  }).withTypeProvider<ZodTypeProvider>();

  // JSON only: a text/plain body is a 415, not a string the schema then refuses. Many
  // clients send `content-type: application/json` with no body on DELETE and POST: that
  // is a request without a body, not invalid JSON.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done),
  );

  // Our own validator so that errors name the offending path (`body.rule.all[0].op`).
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as z.ZodType).safeParse(data);
    return result.success
      ? { value: result.data }
      : { error: new RequestValidationError(toFieldErrors(result.error, httpPart ? [httpPart] : [])) };
  });
  app.setSerializerCompiler(serializerCompiler);
  // First, so that every answer, refusals included, carries the headers.
  const headers = securityHeaders({
    contentSecurityPolicy: {
      // Helmet's default policy serves the Swagger UI at /docs (own scripts, inline styles,
      // data: images); upgrading to https would break it where the API is served over http.
      directives: { upgradeInsecureRequests: null },
    },
    // A proxy terminating TLS for other hosts of the domain should not have them pinned to https.
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  installRequestGuard(app);
  const limits = await installRateLimits(app, options.rateLimit ?? DEFAULT_RATE_LIMITS, options.redis ?? null);
  installAuth(app, options.apiKeys ?? null, limits.authFailures);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, description: options.description ?? API_DESCRIPTION, version: '1.0.0' },
      // Relative: the deployment that serves the document.
      servers: [{ url: '/', description: 'The deployment serving this document' }],
      tags: API_TAGS,
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: openApiRouteTransform,
    transformObject: openApiDocumentTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  installProblemTypes(app);

  app.setErrorHandler(handleError);
  app.setNotFoundHandler({ preHandler: limits.unmatched ?? undefined }, (request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length === 0) return sendProblem(reply, 'not_found', `no route ${request.method} ${path}`);
    return sendProblem(reply.header('allow', allowed.join(', ')), 'method_not_allowed', `${path} takes ${allowed.join(', ')}, not ${request.method}`);
  });
  return app;
};
