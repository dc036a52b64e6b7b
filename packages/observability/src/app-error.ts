/**
 * An unexpected failure with a stable code. `retriable` tells a consumer loop whether
 * to retry the batch (database down) or treat the input as poison.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: { retriable?: boolean; status?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
  }

  get retriable(): boolean {
    return this.options.retriable ?? false;
  }

  get status(): number {
    return this.options.status ?? 500;
  }
}

/** Thrown from config parsing; main prints it and exits non-zero. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
