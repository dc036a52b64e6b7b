import { pino } from 'pino';
import type { Logger } from 'pino';

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

/** A pino logger with segflow's redaction rules. Pass a destination to capture output in tests. */
export const createLogger = (
  options: { level?: string; name?: string },
  destination?: pino.DestinationStream,
): Logger =>
  pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'segflow',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
