import type { z } from 'zod';
import { ConfigError } from './app-error.js';

/**
 * Parses environment variables with a zod object schema whose keys are the variable
 * names. Fails with one message naming every bad variable and what was wrong.
 */
export const parseConfig = <S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): Readonly<z.output<S>> => {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze(result.data);
};
