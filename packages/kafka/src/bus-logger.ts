/**
 * The logging surface the adapters need: pino-like `(fields, message)` calls.
 * A pino Logger satisfies it; tests pass a silent or collecting one.
 */
export interface BusLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Drops everything: for tests and for callers that truly want no output. */
export const silentLogger: BusLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Fallback when no logger is given: warnings and errors still reach stderr. */
export const consoleLogger: BusLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};
