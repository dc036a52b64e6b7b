import type { z } from 'zod';
import { ConfigError } from './app-error.js';

/**
 * Parses environment variables with a zod object schema whose keys are the variable
 * names. Fails with one message naming every bad variable and what was wrong.
 */
export const parseConfig = <S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): Readonly<z.output<S>> => {
  const result = schema.safeParse(env);
  if (!result.success) {
    // The variable is the first path element; deeper ones (a list item) only add noise.
    const problems = result.error.issues.map((issue) => `  ${String(issue.path[0] ?? '(env)')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze(result.data);
};
