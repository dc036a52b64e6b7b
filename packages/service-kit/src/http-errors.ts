import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { codeOfStatus, LIMITS, PROBLEM_CONTENT_TYPE, problemOf, PROBLEMS, problemType } from '@segflow/contracts';
import type { FieldError, Problem, ProblemCode, RejectedEvent } from '@segflow/contracts';
import { AppError, isTransientError } from '@segflow/observability';
import type { HttpApp } from './http-app.js';

/** A request that failed its schema; carries errors that name the bad fields. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}

/** What a client is told to wait before retrying while a dependency (Postgres, Kafka) is down. */
export const RETRY_AFTER_SECONDS = 5;

/** fastify's codes whose status alone would say too little. */
const CODE_OF_FASTIFY_CODE: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'invalid_url',
};

/** What to tell a client for fastify's codes whose message says less than we know. */
const DETAIL_OF_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the body must be application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: `the body is larger than ${LIMITS.bodyBytes} bytes`,
};

/** How one failure is answered, and how loudly it is logged; `instance` is added when it is sent. */
export interface ErrorAnswer {
  problem: Problem;
  retryAfterSeconds?: number;
  log?: 'warn' | 'error';
}

const transient = (problem: Problem): ErrorAnswer => ({ problem, retryAfterSeconds: RETRY_AFTER_SECONDS, log: 'warn' });

/**
 * The one mapping of failures to answers: schema errors 400 with the fields; an `AppError`
 * with its status and code; a dependency outage (`isTransientError`: Postgres or Kafka
 * unreachable, restarting, a retriable AppError…) 503 with Retry-After; fastify's and
 * plugins' 4xx by their status; anything else 500 without its message.
 */
export const answerFor = (error: unknown): ErrorAnswer => {
  if (error instanceof RequestValidationError) return { problem: problemOf('validation_failed', error.message, { errors: error.errors }) };
  if (error instanceof AppError) {
    const problem = problemOf(error.code, error.message, { status: error.status });
    if (error.status === 503) return transient(problem);
    return error.status < 500 ? { problem } : { problem, log: 'error' };
  }
  if (isTransientError(error)) return transient(problemOf('unavailable', 'a service this request needs is unavailable; retry later'));
  const { statusCode, code, message } = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const known = typeof code === 'string' ? CODE_OF_FASTIFY_CODE[code] : undefined;
    const detail =
      (typeof code === 'string' ? DETAIL_OF_FASTIFY_CODE[code] : undefined) ??
      (typeof message === 'string' && message !== '' ? message : (STATUS_CODES[statusCode] ?? 'bad request'));
    return { problem: problemOf(known ?? codeOfStatus(statusCode), detail, { status: statusCode }) };
  }
  return { problem: problemOf('internal', 'internal error'), log: 'error' };
};

/** The path of the request a problem is about (no query: it may carry cursors and ids of others). */
const pathOf = (request: FastifyRequest) => (request.raw.url ?? request.url).split('?', 1)[0]!;

/**
 * Sends a problem (RFC 9457) as `application/problem+json`, with the request's path as
 * `instance`: the one error answer of the API.
 */
export const sendProblem = (
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  extra: { errors?: FieldError[]; rejected?: RejectedEvent[] } = {},
) => sendAnswer(reply, { problem: problemOf(code, detail, extra) });

const sendAnswer = (reply: FastifyReply, answer: ErrorAnswer) => {
  if (answer.retryAfterSeconds !== undefined) void reply.header('retry-after', String(answer.retryAfterSeconds));
  // `instance` in its place after `detail`, as the schema lists the members.
  const { type, title, status, detail, ...extensions } = answer.problem;
  const problem: Problem = { type, title, status, detail, instance: pathOf(reply.request), ...extensions };
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
};

/** fastify's error handler: every failure of a route or hook, answered by `answerFor`. */
export const handleError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
  const answer = answerFor(error);
  if (answer.log === 'error') request.log.error({ err: error }, 'request failed');
  if (answer.log === 'warn') request.log.warn({ err: error }, 'request failed: a dependency is unavailable');
  return sendAnswer(reply, answer);
};

/**
 * Errors fastify raises before a route is found (a path segment longer than
 * `maxParamLength`, invalid percent-encoding); fastify would answer them in its own shape.
 */
export const frameworkErrors = (maxParamLength: number) => (error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply) => {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(reply, 'uri_too_long', `a path segment is longer than ${maxParamLength} characters`);
  if (error.code === 'FST_ERR_BAD_URL') return sendProblem(reply, 'invalid_url', 'the path holds invalid percent-encoding');
  return sendAnswer(reply, answerFor(error));
};

/**
 * Errors of the HTTP parser, before fastify sees a request (headers too large, a
 * malformed request, a client too slow): answered on the socket as a problem.
 */
export const clientErrorHandler = (error: Error & { code?: string }, socket: Socket) => {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? problemOf('headers_too_large', 'the request headers are larger than the server accepts')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? problemOf('request_timeout', 'the request did not arrive in time')
        : problemOf('bad_request', 'malformed HTTP request');
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
};

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `GET /problems/<code>`: what a problem type means, in HTML; a problem's `type` resolves there. */
export const installProblemTypes = (app: HttpApp): void => {
  for (const [code, { status, title, about }] of Object.entries(PROBLEMS)) {
    const page = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>HTTP ${status}, code <code>${code}</code></p><p>${escapeHtml(about)}</p><p>Every error of this API is a problem (RFC 9457); see <a href="/docs">/docs</a>.</p></body></html>\n`;
    app.get(problemType(code), { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  }
};
