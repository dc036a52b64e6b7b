import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiDocument } from './openapi.js';

type Operation = {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { example?: unknown }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));

const refs = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.flatMap(refs)
    : value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refs(v)))
      : [];

describe('OpenAPI document', () => {
  let doc: Document;
  beforeAll(async () => {
    doc = (await openApiDocument()) as unknown as Document;
  });

  it('matches the checked-in packages/contracts/openapi.json (run `pnpm openapi` after changing a route or a contract)', () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(doc);
  });

  it('resolves every reference to a component that exists', () => {
    const missing = refs(doc).filter((ref) => {
      const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(ref) ?? [];
      return kind === undefined || doc.components[kind]?.[name!] === undefined;
    });
    expect(missing).toEqual([]);
  });

  it('gives every operation an operationId, a summary, and an example of its body and of each success answer', () => {
    for (const { name, op } of operations(doc)) {
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, name).toBeTruthy();
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) expect(media.example, `${name} body ${type}`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 || status === '204') continue;
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (type.startsWith('text/')) continue;
          expect(media.example, `${name} ${status} ${type}`).toBeDefined();
        }
      }
    }
    expect(new Set(operations(doc).map(({ op }) => op.operationId)).size).toBe(operations(doc).length);
  });

  it('documents the scope, 401, 403, 429 and 503 of every /v1/ operation, and 413 and 415 where it takes a body', () => {
    for (const { name, op } of operations(doc).filter(({ name }) => name.includes(' /v1/'))) {
      expect(op.security?.[0]?.apiKey, name).toHaveLength(1);
      for (const status of ['400', '401', '403', '429', '500', '503', ...(op.requestBody ? ['413', '415'] : [])]) {
        expect(op.responses[status]?.$ref, `${name} ${status}`).toMatch(/^#\/components\/responses\//);
      }
    }
  });

  it('answers every problem as application/problem+json with the Problem schema', () => {
    for (const [name, response] of Object.entries(doc.components.responses as Record<string, { content: Record<string, { schema: unknown }> }>)) {
      expect(response.content, name).toEqual({ 'application/problem+json': expect.objectContaining({ schema: { $ref: '#/components/schemas/Problem' } }) });
    }
  });

  it('names the schemas of events, rules, segments, profiles, memberships and problems', () => {
    expect(Object.keys(doc.components.schemas!)).toEqual(
      expect.arrayContaining(['Event', 'PurchaseEvent', 'Rule', 'Condition', 'Segment', 'NewSegment', 'SegmentPage', 'Profile', 'CustomerSegments', 'SegmentMembers', 'ScoringModel', 'Problem']),
    );
  });

  it('documents the ETag of segments and the scoring model, and the Location of a created segment', () => {
    const headers = (path: string, method: string, status: string) => Object.keys((doc.paths[path]![method]!.responses[status] as { headers?: object }).headers ?? {});
    expect(headers('/v1/segments', 'post', '201')).toEqual(['Location', 'ETag']);
    expect(headers('/v1/segments/{id}', 'get', '200')).toEqual(['ETag']);
    expect(headers('/v1/segments/{id}', 'put', '200')).toEqual(['ETag']);
    expect(headers('/v1/scoring-model', 'get', '200')).toEqual(['ETag']);
    expect(headers('/v1/scoring-model', 'put', '200')).toEqual(['ETag']);
    for (const [path, method] of [['/v1/segments/{id}', 'put'], ['/v1/segments/{id}', 'delete'], ['/v1/scoring-model', 'put']] as const) {
      expect(doc.paths[path]![method]!.responses['412'], `${method} ${path}`).toBeDefined();
    }
  });
});
