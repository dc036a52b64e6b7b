import { pino } from 'pino';
import type { Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/** Personal data never reaches the logs, wherever it sits in a logged object. */
export const REDACTED_PATHS = [
  'email',
  'firstName',
  'lastName',
  'birthDate',
  'postalCode',
  '*.email',
  '*.firstName',
  '*.lastName',
  '*.birthDate',
  '*.postalCode',
  '*.traits',
  'traits',
  'req.headers.authorization',
];

/** What the request serializer reads: a fastify request, or a bare Node request. */
interface LoggedRequest {
  method?: unknown;
  routeOptions?: { url?: unknown };
}

/**
 * A request as logged: its method and the route pattern it matched (`/v1/customers/:id`),
 * never the URL itself, whose path and query carry customer ids (often e-mail addresses).
 * A request that matched no route is logged without one.
 */
export const serializeRequest = (request: unknown): { method?: string; route?: string } => {
  if (typeof request !== 'object' || request === null) return {};
  const r = request as LoggedRequest;
  let route: unknown;
  try {
    route = r.routeOptions?.url; // a getter on fastify's request; absent on a bare one
  } catch {
    route = undefined;
  }
  return {
    ...(typeof r.method === 'string' ? { method: r.method } : {}),
    ...(typeof route === 'string' ? { route } : {}),
  };
};

/** A reply as logged: its status only (headers may carry cookies or locations with ids). */
export const serializeResponse = (reply: unknown): { statusCode?: number } => {
  const statusCode = (reply as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? { statusCode } : {};
};

export interface LoggedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  /** kafkajs: the broker's error type (e.g. `NOT_LEADER_FOR_PARTITION`). */
  type?: string;
  /** kafkajs and AppError: whether a retry may succeed. */
  retriable?: boolean;
  cause?: LoggedError;
}

/**
 * An error as logged: name, message, code, stack, kafkajs' `type`, `retriable`, and its
 * cause the same way — nothing else. pino's standard serializer copies every enumerable
 * field, and a Postgres error's `detail`, `where`, `parameters`, `query`, `hint`… hold
 * the rows and values (profile JSON, e-mail addresses) that failed.
 */
export const serializeError = (error: unknown, depth = 0): LoggedError => {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: String(error) };
  const e = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; type?: unknown; retriable?: unknown; cause?: unknown };
  const logged: LoggedError = {
    name: typeof e.name === 'string' ? e.name : (error.constructor?.name ?? 'Object'),
    message: typeof e.message === 'string' ? e.message : '',
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') logged.code = e.code;
  if (typeof e.type === 'string' && logged.name.startsWith('KafkaJS')) logged.type = e.type;
  if (typeof e.retriable === 'boolean') logged.retriable = e.retriable;
  if (typeof e.stack === 'string') logged.stack = e.stack;
  if (e.cause !== undefined && depth < 5) logged.cause = serializeError(e.cause, depth + 1);
  return logged;
};

export type LogFormat = 'auto' | 'pretty' | 'json';

/** Whether `format` prints for a person: `auto` does when stdout is a terminal. */
export const prettyLogs = (format: LogFormat, stdoutIsTerminal = process.stdout.isTTY === true): boolean =>
  format === 'pretty' || (format === 'auto' && stdoutIsTerminal);

/**
 * A pino logger with segflow's redaction rules and serializers for `req` (route pattern,
 * no URL), `res` (status) and `err` (no database detail). `format` (default json) chooses
 * JSON lines or, for a terminal, pino-pretty's coloured lines, written in this thread.
 * Pass a destination to capture output in tests.
 */
export const createLogger = (
  options: { level?: string; name?: string; format?: LogFormat },
  destination?: pino.DestinationStream,
): Logger =>
  pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'segflow',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest, res: serializeResponse, err: (error: unknown) => serializeError(error) },
      formatters: { level: (label) => ({ level: label }) },
    },
    prettyLogs(options.format ?? 'json')
      ? PinoPretty({ ...(destination ? { colorize: false } : {}), translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true, destination: destination ?? 1 })
      : destination,
  );
