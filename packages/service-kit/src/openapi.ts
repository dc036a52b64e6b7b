import { STATUS_CODES } from 'node:http';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ApiScope, apiSchemas, Problem, PROBLEM_CONTENT_TYPE, PROBLEMS, problemType } from '@segflow/contracts';

/** Headers the API documents on its answers, by name. */
export const RESPONSE_HEADERS = {
  ETag: { description: 'The version of the resource, to send back in If-Match.', schema: { type: 'string', examples: ['"3"'] } },
  Location: { description: 'The URL of the resource created.', schema: { type: 'string', format: 'uri-reference' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
  Allow: { description: 'The methods the path takes.', schema: { type: 'string', examples: ['GET, HEAD, POST'] } },
  'WWW-Authenticate': { description: 'The authentication scheme: Bearer.', schema: { type: 'string', const: 'Bearer' } },
} as const;
export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;

declare module 'fastify' {
  interface FastifySchema {
    /** OpenAPI only: the body as documented, where `body` validates less of it (each event of a batch is judged on its own). */
    documentedBody?: z.ZodType;
    /** OpenAPI only: the headers a success answer carries, by status. */
    'x-response-headers'?: Readonly<Partial<Record<number, readonly ResponseHeaderName[]>>>;
  }
}

/**
 * Response schemas for the problems a route answers with itself (404, 409, 412…), beside
 * its success ones. Those every route can give (400 for a bad request, 401, 403, 413,
 * 415, 429, 500, 503) are documented without being listed.
 */
export const problems = <const S extends number>(...statuses: S[]): Record<S, typeof Problem> =>
  Object.fromEntries(statuses.map((status) => [status, Problem])) as Record<S, typeof Problem>;

type Json = Record<string, unknown>;
type Operation = {
  requestBody?: unknown;
  parameters?: unknown[];
  security?: unknown[];
  responses?: Record<string, Json>;
  'x-response-headers'?: Partial<Record<string, readonly ResponseHeaderName[]>>;
};

const SCHEMAS = '#/components/schemas/';

/** `Not Found` → `NotFound`: the name of a problem answer under `components.responses`. */
const responseName = (status: number) => (STATUS_CODES[status] ?? `Status${status}`).replace(/[^A-Za-z]/g, '');

/** The problem codes of a status. */
const problemsOf = (status: number) => Object.entries(PROBLEMS).filter(([, p]) => p.status === status);

const headersOf = (status: number): ResponseHeaderName[] =>
  status === 401 ? ['WWW-Authenticate'] : status === 405 ? ['Allow'] : status === 429 || status === 503 ? ['Retry-After'] : [];

const headerRefs = (names: readonly ResponseHeaderName[]) =>
  names.length === 0 ? {} : { headers: Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }])) };

/** A problem answer under `components.responses`: what it means, its headers and an example. */
const problemResponse = (status: number): Json => {
  const kinds = problemsOf(status);
  const [code, first] = kinds[0] ?? ['internal', PROBLEMS.internal];
  const example: Problem = { type: problemType(code), title: first.title, status, detail: first.about, instance: '/v1/segments/vip-customers', code };
  return {
    description: kinds.map(([c, p]) => `\`${c}\`: ${p.about}`).join(' '),
    ...headerRefs(headersOf(status)),
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `${SCHEMAS}Problem` }, example } },
  };
};

/**
 * Statuses a route can answer without saying so: 400 anywhere (a URL holding a control
 * character, a bad parameter or body), 413 and 415 for a body; on an API route (one with
 * a scope) 401, 403, 429 and 503 for a dependency outage; 500 anywhere.
 */
const implicitProblems = (operation: Operation): number[] => {
  const api = (operation.security?.length ?? 0) > 0;
  return [
    400,
    ...(api ? [401, 403] : []),
    ...(operation.requestBody ? [413, 415] : []),
    ...(api ? [429] : []),
    500,
    ...(api ? [503] : []),
  ];
};

/** A declared answer whose body is a problem (the health checks answer 503 with their own). */
const isProblem = (response: Json | undefined) =>
  response === undefined || Object.values((response.content ?? {}) as Record<string, Json>).some((media) => componentOf(media.schema)?.startsWith('Problem'));

/** The name of the component `schema` refers to (under `prefix`), or null. */
const componentOf = (schema: unknown, prefix = SCHEMAS): string | null => {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  return typeof ref === 'string' && ref.startsWith(prefix) ? ref.slice(prefix.length) : null;
};

/**
 * A media object with the first example of its component, when it names one that has
 * examples. zod keeps the examples of a schema that transforms (a rule is checked whole
 * before its grammar) on its output side only: `XInput` takes those of `X`.
 */
const withExample = (media: Json, schemas: Record<string, Json>): Json => {
  const name = componentOf(media.schema);
  const examples = name === null ? undefined : ((schemas[name]?.examples ?? schemas[name.replace(/Input$/, '')]?.examples) as unknown[] | undefined);
  return media.example === undefined && examples?.[0] !== undefined ? { ...media, example: examples[0] } : media;
};

const withMediaExamples = (content: unknown, schemas: Record<string, Json>) =>
  Object.fromEntries(Object.entries((content ?? {}) as Record<string, Json>).map(([type, media]) => [type, withExample(media, schemas)]));

/** Success answers: their description, the headers declared for them, an example. */
const successResponse = (status: number, response: Json, headers: readonly ResponseHeaderName[], schemas: Record<string, Json>): Json => {
  const name = componentOf((Object.values((response.content ?? {}) as Record<string, Json>)[0] ?? {}).schema);
  const description = (name && (schemas[name]?.description as string | undefined)) || STATUS_CODES[status] || 'Success';
  return {
    ...response,
    description,
    ...headerRefs(headers),
    ...(response.content ? { content: withMediaExamples(response.content, schemas) } : {}),
  };
};

/** Every answer of an operation: success ones with examples and headers, every problem it can give by reference. */
const completeOperation = (operation: Operation, schemas: Record<string, Json>, answered: Set<number>): Operation => {
  const { 'x-response-headers': headers = {}, responses = {}, ...rest } = operation;
  const declared = Object.keys(responses).map(Number);
  const statuses = [...new Set([...declared, ...implicitProblems(operation)])].sort((a, b) => a - b);
  const complete: Record<string, Json> = {};
  for (const status of statuses) {
    if (status >= 400 && isProblem(responses[status])) {
      answered.add(status);
      complete[status] = { $ref: `#/components/responses/${responseName(status)}` };
    } else complete[status] = successResponse(status, responses[status]!, headers[status] ?? [], schemas);
  }
  const body = rest.requestBody as { content?: unknown } | undefined;
  return {
    ...rest,
    ...(body ? { requestBody: { ...body, content: withMediaExamples(body.content, schemas) } } : {}),
    responses: complete,
  };
};

/** Replaces every `$ref` to a component named in `renames`. */
const renameRefs = (value: unknown, renames: Map<string, string>): unknown => {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, renames));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const name = k === '$ref' ? componentOf({ $ref: v }) : null;
      return [k, name !== null && renames.has(name) ? `${SCHEMAS}${renames.get(name)}` : renameRefs(v, renames)];
    }),
  );
};

/** The components (under `prefix`) that `value` refers to. */
const refsIn = (value: unknown, found = new Set<string>(), prefix = SCHEMAS): Set<string> => {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found, prefix);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const name = k === '$ref' ? componentOf({ $ref: v }, prefix) : null;
      if (name !== null) found.add(name);
      else refsIn(v, found, prefix);
    }
  }
  return found;
};

/** A schema as compared for sameness: its references renamed, without its examples (zod drops them from one side). */
const comparable = (schema: unknown, renames: Map<string, string>) => {
  const { examples: _examples, ...rest } = renameRefs(schema, renames) as Json;
  return JSON.stringify(rest);
};

/** The components reachable from `roots` through references, by name. */
const reachable = (roots: unknown, schemas: Record<string, unknown>): Set<string> => {
  const seen = new Set<string>();
  const pending = [...refsIn(roots)];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name) || !(name in schemas)) continue;
    seen.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  return seen;
};

/**
 * The zod type provider names a registered schema `X` where it is answered and `XInput`
 * where it is taken. Keep `X` alone where only one of the two is used, or where the two
 * are the same once their references are renamed so; drop the components nothing uses.
 */
const tidyComponents = (doc: Json): Json => {
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, unknown>;
  const { components, ...rest } = doc;
  const { schemas: _schemas, ...others } = components as Json;
  const used = reachable([rest, others], schemas);
  const pairs = [...used].filter((name) => name.endsWith('Input')).map((name) => [name, name.slice(0, -'Input'.length)] as const);
  // Assume every pair the same, then part those that differ under that assumption, until
  // none does: recursive schemas (a rule holds rules) are the same only if assumed so.
  const renames = new Map(pairs);
  for (let parted = true; parted; ) {
    parted = false;
    for (const [name, base] of pairs) {
      if (!renames.has(name) || !used.has(base) || comparable(schemas[name], renames) === comparable(schemas[base], renames)) continue;
      renames.delete(name);
      parted = true;
    }
  }
  // A merged pair is the same schema; the output side comes last, to keep its examples.
  const kept = [...used].sort((a, b) => Number(b.endsWith('Input')) - Number(a.endsWith('Input'))).map((name) => [renames.get(name) ?? name, renameRefs(schemas[name], renames)] as const);
  const sorted = Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b)));
  return renameRefs({ ...rest, components: { ...others, schemas: sorted } }, renames) as Json;
};

/** The security scheme: API keys from SEGFLOW_API_KEYS, each with scopes. */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: [
      'An API key from SEGFLOW_API_KEYS, sent as `Authorization: Bearer <key>`. Each key holds scopes; an operation names the one it needs',
      `(${ApiScope.options.map((s) => `\`${s}\``).join(', ')}; \`*\` grants all). Without a known key: 401; without the scope: 403;`,
      'past 60 failed authentications a minute from one address: 429. When SEGFLOW_API_KEYS is unset, the API is open.',
    ].join(' '),
  },
} as const;

/** What the document says of the API as a whole. */
export const API_DESCRIPTION = [
  'segflow keeps customer segments current in real time: events in (here or on Kafka), profiles and lead scores, segment rules re-evaluated as profiles change and as time passes, membership changes out as CloudEvents (see /docs/asyncapi.json).',
  '',
  '**Errors** are RFC 9457 problem details (`application/problem+json`): `type` (`/problems/<code>`, which describes it), `title`, `status`, `detail`, `instance` (the request path) and `code`; `errors[]` names each invalid field by its path (`body.rule.all[0].op`), `rejected[]` the refused events of a batch by index. 405 carries Allow; 429 and 503 carry Retry-After.',
  '',
  '**Versions.** A segment and the scoring model answer an `ETag` (their version); send it back in `If-Match` on PUT or DELETE and the change applies only if nobody changed the resource since (else 412). Without If-Match, the change applies whatever the version.',
  '',
  '**Listings** are pages by key: pass `nextCursor` as `cursor` until it is null.',
].join('\n');

/** The groups of operations. */
export const API_TAGS = [
  { name: 'events', description: 'Input events: purchases, page views, email opens, traits.' },
  { name: 'customers', description: 'Profiles, their segments, erasure.' },
  { name: 'segments', description: 'Segment definitions, members, previews and backfills.' },
  { name: 'scoring', description: 'The lead scoring model.' },
  { name: 'ops', description: 'Consumer lag, RFM recomputation, health and metrics.' },
];

const routeTransform = createJsonSchemaTransform({ schemaRegistry: apiSchemas });

/** Route schemas to OpenAPI: zod through the type provider, against the registered components. */
export const openApiRouteTransform: SwaggerTransform = (route) => {
  const { documentedBody, ...schema } = (route.schema ?? {}) as Record<string, unknown> & { documentedBody?: z.ZodType };
  return routeTransform({
    ...route,
    schema: documentedBody ? { ...schema, body: documentedBody } : schema,
  } as Parameters<SwaggerTransform>[0]);
};

const componentsTransform = createJsonSchemaTransformObject({ schemaRegistry: apiSchemas });

/**
 * The document as a whole: the registered components, every problem answer an operation
 * can give (by reference to `components.responses`), examples from the components, the
 * headers, and components nothing uses left out.
 */
export const openApiDocumentTransform: SwaggerTransformObject = (input) => {
  const doc = componentsTransform(input) as unknown as Json;
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  const answered = new Set<number>();
  const paths = Object.fromEntries(
    Object.entries((doc.paths ?? {}) as Record<string, Record<string, Operation>>).map(([path, item]) => [
      path,
      Object.fromEntries(Object.entries(item).map(([method, operation]) => [method, completeOperation(operation, schemas, answered)])),
    ]),
  );
  const responses = Object.fromEntries([...answered].sort((a, b) => a - b).map((status) => [responseName(status), problemResponse(status)]));
  const used = refsIn({ paths, responses }, new Set(), '#/components/headers/');
  const headers = Object.fromEntries(Object.entries(RESPONSE_HEADERS).filter(([name]) => used.has(name)));
  return tidyComponents({
    ...doc,
    paths,
    components: { ...(doc.components as Json), responses, headers },
  }) as unknown as ReturnType<SwaggerTransformObject>;
};
