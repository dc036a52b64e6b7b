import Fastify from 'fastify';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { toFieldErrors } from '@segflow/contracts';
import type { ApiError, FieldError } from '@segflow/contracts';
import { AppError } from '@segflow/observability';
import type { Logger } from '@segflow/observability';
import { installAuth } from './auth.js';
import type { ApiKey } from './auth.js';

export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A request that failed its schema; carries errors that name the bad fields. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}

/** Sends the one error body shape of the API. */
export const sendError = (reply: { code(status: number): { send(body: ApiError): unknown } }, status: number, body: ApiError) =>
  reply.code(status).send(body);

/**
 * A fastify app with zod schemas for validation, serialisation and OpenAPI 3.1 at
 * `/docs` (JSON at `/docs/json`), API-key scopes on `/v1/` routes (see installAuth), and
 * every error mapped to `{ error, message, details? }`.
 */
export const createHttpApp = async (options: { log: Logger; title: string; description?: string; apiKeys?: ApiKey[] | null }): Promise<HttpApp> => {
  const app = Fastify({ loggerInstance: options.log as FastifyBaseLogger }).withTypeProvider<ZodTypeProvider>();

  // Our own validator so that errors name the offending path (`body.rule.all[0].op`).
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as z.ZodType).safeParse(data);
    return result.success
      ? { value: result.data }
      : { error: new RequestValidationError(toFieldErrors(result.error, httpPart ? [httpPart] : [])) };
  });
  app.setSerializerCompiler(serializerCompiler);
  installAuth(app, options.apiKeys ?? null);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, description: options.description ?? '', version: '1.0.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API key from SEGFLOW_API_KEYS' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RequestValidationError) {
      return sendError(reply, 400, { error: 'validation_failed', message: error.message, details: error.errors });
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendError(reply, error.status, { error: error.code, message: error.message, details: error.options.details });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = (error as { code?: string }).code ?? 'bad_request';
      return sendError(reply, status, { error: code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'invalid_json' : 'bad_request', message: (error as Error).message });
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, { error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, { error: 'not_found', message: `no route ${request.method} ${request.url}` }),
  );
  return app;
};
