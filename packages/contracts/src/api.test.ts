import { describe, expect, it } from 'vitest';
import { apiSchemas, codeOfStatus, PROBLEMS, problemOf, problemType } from './api.js';

describe('REST schemas named in OpenAPI', () => {
  it('hold only examples their schemas accept', () => {
    const named = [...apiSchemas._idmap.entries()];
    expect(named.length).toBeGreaterThan(20);
    for (const [id, schema] of named) {
      for (const example of apiSchemas.get(schema)?.examples ?? []) {
        const result = schema.safeParse(example);
        expect(result.success ? [] : result.error.issues, id).toEqual([]);
      }
    }
  });
});

describe('problem details', () => {
  it('name their type after the code, under /problems/, with the title and status of the code', () => {
    expect(problemOf('precondition_failed', 'segment vip is at ETag "4"')).toEqual({
      type: '/problems/precondition-failed',
      title: 'The resource has changed',
      status: 412,
      detail: 'segment vip is at ETag "4"',
      code: 'precondition_failed',
    });
    expect(problemType('validation_failed')).toBe('/problems/validation-failed');
  });

  it('give each status fastify or a plugin raises alone the code of that status', () => {
    for (const [code, { status }] of Object.entries(PROBLEMS)) {
      if (['invalid_json', 'invalid_url', 'bad_request', 'validation_failed'].includes(code)) continue;
      expect(codeOfStatus(status), code).toBe(code);
    }
    expect(codeOfStatus(400)).toBe('bad_request');
    expect(codeOfStatus(418)).toBe('bad_request');
    expect(codeOfStatus(502)).toBe('internal');
  });
});
