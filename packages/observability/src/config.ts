import { z } from 'zod';
import { ConfigError } from './app-error.js';

/** Where inside a variable's value an issue sits: `retention.minPurchases`, `[0].key`. */
const innerPath = (path: PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

/**
 * Parses environment variables with a zod object schema whose keys are the variable
 * names. Fails with one message naming every bad variable and what was wrong.
 */
export const parseConfig = <S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): Readonly<z.output<S>> => {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [variable, ...inside] = issue.path;
      return `  ${String(variable ?? '(env)')}: ${issue.message}${inside.length > 0 ? ` (at ${innerPath(inside)})` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze(result.data);
};

/**
 * A variable holding JSON, checked by `schema`. Unset (or blank), the schema sees
 * `undefined`, so it decides the default. `example` shows the expected shape when the
 * text is not JSON at all.
 */
export const jsonEnv = <S extends z.ZodType>(schema: S, example: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx): unknown => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected JSON such as ${example}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
