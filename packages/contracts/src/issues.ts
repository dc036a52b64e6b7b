import type { z } from 'zod';

/** One validation problem, with the path of the offending field in dotted/bracket form. */
export interface FieldError {
  path: string;
  message: string;
}

/** `['rule', 'all', 0, 'op']` → `rule.all[0].op`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return acc === '' ? name : `${acc}.${name}`;
  }, '');

/**
 * For a failed union, the branch that got furthest (deepest issue path, then fewest
 * issues) is the one the author meant: `{ "all": [...] }` failing deep inside should
 * report that deep failure, not "expected a condition".
 */
const bestBranch = (branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] => {
  const depth = (issues: z.core.$ZodIssue[]) => Math.max(...issues.map((i) => i.path.length));
  return branches.reduce((best, next) =>
    depth(next) > depth(best) || (depth(next) === depth(best) && next.length < best.length) ? next : best,
  );
};

const flatten = (issue: z.core.$ZodIssue, prefix: PropertyKey[]): FieldError[] => {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    return bestBranch(issue.errors).flatMap((inner) => flatten(inner, path));
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
  }
  return [{ path: formatPath(path), message: issue.message }];
};

/** Turns a zod error into field errors that name the offending path. */
export const toFieldErrors = (error: z.ZodError, prefix: PropertyKey[] = []): FieldError[] =>
  error.issues.flatMap((issue) => flatten(issue, prefix));

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Parses with a zod schema and returns a value rather than throwing. */
export const validate = <S extends z.ZodType>(schema: S, input: unknown, prefix: PropertyKey[] = []): Validation<z.output<S>> => {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: toFieldErrors(result.error, prefix) };
};
