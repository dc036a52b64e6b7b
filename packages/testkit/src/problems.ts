import { expect } from 'vitest';

/** An answer as `app.inject()` gives it. */
interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}

/**
 * Asserts that `answer` is a problem (RFC 9457) of `code` as segflow sends them:
 * `application/problem+json`, `type` `/problems/<code>`, the status, this occurrence's
 * `detail` (any string when not given) and `instance` (the request path). Returns the body
 * for the rest (`errors`, `rejected`).
 */
export const expectProblem = (
  answer: Answer,
  expected: { code: string; status: number; instance: string; detail?: unknown; title?: string },
): { errors?: { path: string; message: string }[]; rejected?: unknown[] } & Record<string, unknown> => {
  expect(answer.statusCode).toBe(expected.status);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = answer.json() as Record<string, unknown>;
  const { errors: _errors, rejected: _rejected, ...problem } = body;
  expect(problem).toEqual({
    type: `/problems/${expected.code.replaceAll('_', '-')}`,
    title: expected.title ?? expect.any(String),
    status: expected.status,
    detail: expected.detail ?? expect.any(String),
    instance: expected.instance,
    code: expected.code,
  });
  return body;
};
