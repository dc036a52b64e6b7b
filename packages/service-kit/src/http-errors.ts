import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, FieldError } from '@segflow/contracts';
import { AppError, isTransientError } from '@segflow/observability';

/** A request that failed its schema; carries errors that name the bad fields. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}

/** What a client is told to wait before retrying while a dependency (Postgres, Kafka) is down. */
export const RETRY_AFTER_SECONDS = 5;

/** The `error` of a failure that carries only an HTTP status (fastify's own, a plugin's). */
const ERROR_OF_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  411: 'length_required',
  412: 'precondition_failed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
};

/** fastify's codes whose status alone would say too little. */
const ERROR_OF_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'invalid_url',
};

export const errorOfStatus = (status: number): string => ERROR_OF_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_request');

/** How one failure is answered, and how loudly it is logged. */
export interface ErrorAnswer {
  status: number;
  body: ApiError;
  retryAfterSeconds?: number;
  log?: 'warn' | 'error';
}

/**
 * The one mapping of failures to answers: schema errors 400 with the fields; an `AppError`
 * with its status and code; a dependency outage (`isTransientError`: Postgres or Kafka
 * unreachable, restarting, a retriable AppError…) 503 with Retry-After; fastify's and
 * plugins' 4xx by their status; anything else 500 without its message.
 */
export const answerFor = (error: unknown): ErrorAnswer => {
  if (error instanceof RequestValidationError) {
    return { status: 400, body: { error: 'validation_failed', message: error.message, details: error.errors } };
  }
  if (error instanceof AppError && error.status < 500) {
    return { status: error.status, body: { error: error.code, message: error.message, details: error.options.details } };
  }
  if (error instanceof AppError && error.status === 503) {
    return { status: 503, body: { error: error.code, message: error.message, details: error.options.details }, retryAfterSeconds: RETRY_AFTER_SECONDS, log: 'warn' };
  }
  if (isTransientError(error)) {
    return {
      status: 503,
      body: { error: 'unavailable', message: 'a service this request needs is unavailable; retry later' },
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      log: 'warn',
    };
  }
  if (error instanceof AppError) {
    return { status: error.status, body: { error: error.code, message: error.message, details: error.options.details }, log: 'error' };
  }
  const { statusCode, code, message } = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const known = typeof code === 'string' ? ERROR_OF_FASTIFY_CODE[code] : undefined;
    return { status: statusCode, body: { error: known ?? errorOfStatus(statusCode), message: typeof message === 'string' ? message : STATUS_CODES[statusCode] ?? 'bad request' } };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error' }, log: 'error' };
};

/** Sends the one error body shape of the API. */
export const sendError = (reply: { code(status: number): { send(body: ApiError): unknown } }, status: number, body: ApiError) =>
  reply.code(status).send(body);

/** fastify's error handler: every failure of a route or hook, answered by `answerFor`. */
export const handleError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
  const answer = answerFor(error);
  if (answer.log === 'error') request.log.error({ err: error }, 'request failed');
  if (answer.log === 'warn') request.log.warn({ err: error }, 'request failed: a dependency is unavailable');
  if (answer.retryAfterSeconds !== undefined) void reply.header('retry-after', String(answer.retryAfterSeconds));
  return sendError(reply, answer.status, answer.body);
};

/**
 * Errors fastify raises before a route is found (a path segment longer than
 * `maxParamLength`, invalid percent-encoding); fastify would answer them in its own shape.
 */
export const frameworkErrors = (maxParamLength: number) => (error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply) => {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendError(reply, 414, { error: 'uri_too_long', message: `a path segment is longer than ${maxParamLength} characters` });
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendError(reply, 400, { error: 'invalid_url', message: 'the path holds invalid percent-encoding' });
  }
  const answer = answerFor(error);
  return sendError(reply, answer.status, answer.body);
};

/**
 * Errors of the HTTP parser, before fastify sees a request (headers too large, a
 * malformed request, a client too slow): answered on the socket in the API's shape.
 */
export const clientErrorHandler = (error: Error & { code?: string }, socket: Socket) => {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers are larger than the server accepts']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request did not arrive in time']
        : [400, 'malformed HTTP request'];
  const body = JSON.stringify({ error: errorOfStatus(status), message } satisfies ApiError);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
};
