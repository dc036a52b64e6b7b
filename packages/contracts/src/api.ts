import { z } from 'zod';
import { EmailOpenEvent, IdentifyEvent, InputEvent, PageViewEvent, PurchaseEvent, TraitsEvent } from './events.js';
import { Identifier, LIMITS } from './limits.js';
import { ProfileView, RfmQuintiles } from './profile.js';
import { Condition, RuleNode } from './rules.js';
import { ScoringModel, ScoringModelInput, ScoringRule } from './scoring-model.js';
import { BackfillProgress, CustomerSegments, Experiment, GroupId, Segment, SegmentId, SegmentInput, SegmentList, SegmentMembers, SegmentUpdate } from './segments.js';

/** One invalid field: its path in the request (`body.rule.all[0].op`) and what is wrong with it. */
export const FieldErrorBody = z.object({ path: z.string(), message: z.string() });

/** An event of a request that was refused, by its position in the request (0 for a single event). */
export const RejectedEvent = z.object({ index: z.number().int().nonnegative(), eventId: z.string().optional(), errors: z.array(FieldErrorBody) });
export type RejectedEvent = z.infer<typeof RejectedEvent>;

/**
 * The kinds of problem the API answers with: a stable code, its status and a title that
 * does not change from one occurrence to the next (RFC 9457 §3.1.3).
 */
export const PROBLEMS = {
  validation_failed: { status: 400, title: 'The request is not valid', about: 'A path parameter, query parameter, header or the body failed its schema; errors[] names each invalid field by its path.' },
  invalid_json: { status: 400, title: 'The body is not valid JSON', about: 'The body could not be parsed as JSON.' },
  invalid_url: { status: 400, title: 'The URL is not valid', about: 'The path or query holds invalid percent-encoding, a control character or a lone surrogate.' },
  bad_request: { status: 400, title: 'Bad request', about: 'The request could not be understood.' },
  unauthorized: { status: 401, title: 'An API key is needed', about: 'The request carries no Authorization: Bearer <key>, or a key that is not configured.' },
  forbidden: { status: 403, title: 'The API key lacks the scope', about: "The key is valid but does not hold the route's scope." },
  not_found: { status: 404, title: 'Not found', about: 'No such resource, or no route at that path.' },
  method_not_allowed: { status: 405, title: 'Method not allowed', about: 'The path exists but not with this method; the Allow header lists the methods it takes.' },
  request_timeout: { status: 408, title: 'The request did not arrive in time', about: 'The request took longer to arrive than the server waits.' },
  conflict: { status: 409, title: 'Conflict', about: 'The resource already exists (a segment id that is taken).' },
  precondition_failed: { status: 412, title: 'The resource has changed', about: 'If-Match names none of the current ETags: someone else changed the resource since it was read. Read it again, reapply the change and retry with the new ETag.' },
  payload_too_large: { status: 413, title: 'The body is too large', about: 'The body is larger than the server accepts (1 MiB).' },
  uri_too_long: { status: 414, title: 'The URI is too long', about: 'A path segment is longer than the server accepts.' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', about: 'The body is not application/json.' },
  rate_limited: { status: 429, title: 'Too many requests', about: 'The API key (or the client address) spent its budget for the minute; Retry-After says when to retry.' },
  headers_too_large: { status: 431, title: 'The request headers are too large', about: 'The request headers are larger than the server accepts.' },
  internal: { status: 500, title: 'Internal error', about: 'An unexpected failure; it is logged.' },
  unavailable: { status: 503, title: 'A dependency is unavailable', about: 'Postgres or Kafka is unreachable or did not answer in time; Retry-After says when to retry. A resend of the same events is deduplicated.' },
} as const satisfies Record<string, { status: number; title: string; about: string }>;
export type ProblemCode = keyof typeof PROBLEMS;

/** Where a problem type is documented: `/problems/<code>`, resolved against the API's own address. */
export const PROBLEM_TYPE_PREFIX = '/problems/';
export const problemType = (code: string): string => `${PROBLEM_TYPE_PREFIX}${code.replaceAll('_', '-')}`;

/** The code of the problem of a status that carries nothing else (fastify's own errors, a plugin's). */
export const codeOfStatus = (status: number): ProblemCode =>
  status === 400
    ? 'bad_request'
    : ((Object.entries(PROBLEMS).find(([, p]) => p.status === status)?.[0] as ProblemCode | undefined) ?? (status >= 500 ? 'internal' : 'bad_request'));

/**
 * Every REST error: RFC 9457 problem details, sent as `application/problem+json`. `type`
 * identifies the problem (see PROBLEMS; the `code` extension is its short name), `detail`
 * explains this occurrence, `instance` is the request's path. Extensions: `errors` lists
 * each invalid field with its path; `rejected`, the refused events of `POST /v1/events`.
 */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  instance: z.string().optional(),
  code: z.string(),
  errors: z.array(FieldErrorBody).optional(),
  rejected: z.array(RejectedEvent).optional(),
});
export type Problem = z.infer<typeof Problem>;

/** The media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem of a known kind: its type, title and status, with this occurrence's detail. */
export const problemOf = (code: string, detail: string, extra: Partial<Pick<Problem, 'instance' | 'errors' | 'rejected' | 'status'>> = {}): Problem => {
  const known = (PROBLEMS as Record<string, { status: number; title: string }>)[code];
  return {
    type: problemType(code),
    title: known?.title ?? code.replaceAll('_', ' '),
    status: extra.status ?? known?.status ?? 500,
    detail,
    ...(extra.instance === undefined ? {} : { instance: extra.instance }),
    code,
    ...(extra.errors === undefined ? {} : { errors: extra.errors }),
    ...(extra.rejected === undefined ? {} : { rejected: extra.rejected }),
  };
};

/** `POST /v1/events` takes one event or a batch of up to 1000; each is validated on its own. */
export const MAX_EVENTS_PER_REQUEST = 1000;
export const EventsRequest = z.union([
  z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST) }),
  z.looseObject({ type: z.string() }),
]);

/**
 * What `POST /v1/events` documents: EventsRequest validates only the envelope, so that
 * each event is judged on its own and a batch can be partly accepted; these are the
 * events it accepts.
 */
export const EventBatch = z.object({ events: z.array(InputEvent).min(1).max(MAX_EVENTS_PER_REQUEST) });
export const DocumentedEventsRequest = z.union([InputEvent, EventBatch]);

export const EventsResponse = z.object({
  accepted: z.number().int().nonnegative(),
  rejected: z.array(RejectedEvent),
});
export type EventsResponse = z.infer<typeof EventsResponse>;

/** What an API key may do (DESIGN §6); `*` grants every scope. */
export const ApiScope = z.enum(['events:write', 'customers:read', 'customers:erase', 'segments:read', 'segments:write', 'ops:read']);
export type ApiScope = z.infer<typeof ApiScope>;

/** A customer id in a path: what events carry as `customerId`. */
export const CustomerId = Identifier.clone();

/** A page of a listing: pass `nextCursor` as `cursor` for the next one; null on the last page. */
export const PageQuery = z.object({
  cursor: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The published JSON Schema `api-error`: the problem details of every REST error. */
export const ApiError = Problem;

/** How OpenAPI names a REST schema (`#/components/schemas/<id>`), and what it shows of it. */
export interface ApiSchemaMeta {
  /** Absent: not a component, only described where it is used (a parameter). */
  id?: string;
  description?: string;
  /** Valid instances (tested); the first is the example of the operations that take or answer it. */
  examples?: unknown[];
  [key: string]: unknown;
}

/**
 * The REST schemas OpenAPI names as components: a route schema found here is referenced
 * rather than repeated. A service adds the schemas of its own routes with `apiSchemas.add`.
 */
export const apiSchemas = z.registry<ApiSchemaMeta, z.ZodType>();

const at = '2026-11-23T10:00:00.000Z';
const rule = {
  all: [
    { field: 'purchase.count', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' } },
    { not: { field: 'emailOpen.lastAt', op: 'withinLast', value: '14d' } },
  ],
};
const purchase = {
  eventId: 'evt-981',
  type: 'purchase',
  customerId: 'c-42',
  occurredAt: '2026-11-23T09:59:59.870Z',
  orderId: 'o-7731',
  amount: 129.9,
  currency: 'EUR',
  items: [{ sku: 'sku-123', category: 'shoes', quantity: 1, price: 129.9 }],
  channel: 'web',
};
const segment = {
  id: 'shoe-lovers-gone-quiet',
  name: 'Shoe lovers gone quiet',
  description: '3+ shoe purchases in 30 days and no email opened in 14 days',
  rule,
  enabled: true,
  experiment: { name: 'win-back-email', groups: [{ id: 'email', weight: 90 }, { id: 'holdout', weight: 10 }] },
  version: 3,
  createdAt: '2026-11-01T08:00:00.000Z',
  updatedAt: at,
  size: 1207,
  lastChangeAt: at,
};
const { id: _id, version: _v, createdAt: _c, updatedAt: _u, size: _s, lastChangeAt: _l, ...definition } = segment;
const profile = {
  customerId: 'c-42',
  version: 118,
  updatedAt: at,
  traits: { email: 'jane@example.com', firstName: 'Jane', country: 'DE', city: 'Berlin', birthDate: '1990-04-12', interests: ['running'], consent: { email: true } },
  age: 36,
  purchase: {
    count: 7,
    total: 1043.5,
    avgOrderValue: 149.07,
    firstAt: '2025-12-02T18:11:00.000Z',
    lastAt: purchase.occurredAt,
    categories: { shoes: { count: 4, lastAt: purchase.occurredAt, total: 620 } },
  },
  pageView: { count: 58, lastAt: '2026-11-23T09:58:12.000Z', categories: { shoes: { count: 31, lastAt: '2026-11-23T09:58:12.000Z' } } },
  emailOpen: { count: 12, lastAt: '2026-11-02T07:30:00.000Z', campaigns: { 'black-friday': { count: 2, lastAt: '2026-11-02T07:30:00.000Z' } } },
  leadScore: { value: 42.7, asOf: at },
  lifecycleStage: 'retention',
  rfm: { recency: 5, frequency: 4, monetary: 5, segment: 'champions', recencyDays: 0, purchases: 7, spend: 1043.5 },
};
const scoringModel = {
  halfLifeDays: 30,
  rules: [
    { id: 'pricing-page', eventType: 'page_view', filters: { urlPrefix: '/pricing' }, points: 5, dailyCap: 15 },
    { id: 'any-purchase', eventType: 'purchase', filters: {}, points: 20 },
  ],
};

const named: [z.ZodType, ApiSchemaMeta][] = [
  [
    Problem,
    {
      id: 'Problem',
      description: 'RFC 9457 problem details, the body of every error (application/problem+json). `type` names the problem (`/problems/<code>` on this API, which describes it), `code` is its short name, `detail` explains this occurrence, `instance` is the request path.',
      examples: [
        {
          type: '/problems/validation-failed',
          title: 'The request is not valid',
          status: 400,
          detail: 'body.rule.all[0].op: Invalid option: expected one of "eq"|"neq"|…',
          instance: '/v1/segments',
          code: 'validation_failed',
          errors: [{ path: 'body.rule.all[0].op', message: 'Invalid option: expected one of "eq"|"neq"|…' }],
        },
      ],
    },
  ],
  [FieldErrorBody, { id: 'FieldError', description: 'One invalid field: its path in the request and what is wrong with it.' }],
  [RejectedEvent, { id: 'RejectedEvent', description: 'A refused event, by its position in the request (0 for a single event), with its field errors.' }],
  [PurchaseEvent, { id: 'PurchaseEvent', examples: [purchase] }],
  [PageViewEvent, { id: 'PageViewEvent' }],
  [EmailOpenEvent, { id: 'EmailOpenEvent' }],
  [TraitsEvent, { id: 'TraitsEvent' }],
  [IdentifyEvent, { id: 'IdentifyEvent', description: 'The anonymous id is the same person as the customer: its profile merges into the customer’s, and later events for it count for the customer. `anonymousId` must differ from `customerId`.', examples: [{ eventId: 'evt-985', type: 'identify', customerId: 'c-42', occurredAt: '2026-11-23T09:59:59.870Z', anonymousId: 'anon-7f3a' }] }],
  [InputEvent, { id: 'Event', description: 'An input event, by `type`.', examples: [purchase] }],
  [EventBatch, { id: 'EventBatch', description: 'Up to 1000 events, each validated on its own.' }],
  [DocumentedEventsRequest, { id: 'EventsRequest', description: 'One event, or a batch of up to 1000.', examples: [purchase] }],
  [EventsResponse, { id: 'EventsAccepted', description: 'How many events were accepted (published to Kafka) and which were refused.', examples: [{ accepted: 1, rejected: [] }] }],
  [RuleNode, { id: 'Rule', description: `A segment rule: \`all\`, \`any\`, \`not\` or a condition; at most ${LIMITS.ruleDepth} levels deep, ${LIMITS.ruleNodes} nodes and ${LIMITS.ruleBytes} bytes.`, examples: [rule] }],
  [Condition, { id: 'Condition', description: 'One test on a profile field. `field` is `traits.<name>` or a known field (age, purchase.count, …); which `op` and `value` apply depends on the field, and a bad combination is a 400 naming the path.' }],
  [SegmentInput, { id: 'NewSegment', description: 'A segment definition; `id` defaults to a slug of the name.', examples: [{ id: segment.id, ...definition }] }],
  [SegmentUpdate, { id: 'SegmentUpdate', description: 'The new definition of a segment: it becomes the next version.', examples: [definition] }],
  [
    Experiment,
    {
      id: 'Experiment',
      description:
        'An A/B test among the members: each gets one group, by a stable hash of `name` and the customer id, with a chance proportional to its `weight` (group ids unique, weights positive). A holdout is a group like any other.',
      examples: [segment.experiment],
    },
  ],
  [Segment, { id: 'Segment', description: 'A segment definition with its size and last membership change.', examples: [segment] }],
  [SegmentList, { id: 'SegmentPage', description: 'A page of segments by id.', examples: [{ segments: [segment], nextCursor: null }] }],
  [SegmentMembers, { id: 'SegmentMembers', description: "A page of a segment's members by customer id.", examples: [{ members: [{ customerId: 'c-42', enteredAt: at, group: 'email' }], nextCursor: 'c-42' }] }],
  [
    BackfillProgress,
    {
      id: 'BackfillProgress',
      examples: [
        { segmentId: segment.id, segmentVersion: 3, reason: 'definition_changed', state: 'done', processed: 20000, total: 20000, entered: 312, exited: 45, ratePerSecond: 13500, startedAt: at, finishedAt: '2026-11-23T10:00:01.480Z' },
      ],
    },
  ],
  [CustomerSegments, { id: 'CustomerSegments', examples: [{ customerId: 'c-42', segments: [{ segmentId: segment.id, name: segment.name, enteredAt: at, group: 'email' }], asOf: at }] }],
  [ProfileView, { id: 'Profile', description: 'A customer profile with the fields derived at read time.', examples: [profile] }],
  [RfmQuintiles, { id: 'RfmQuintiles', examples: [{ population: 18200, recencyDays: [12, 35, 80, 160], frequency: [1, 1, 2, 4], monetary: [25, 60, 140, 380] }] }],
  [ScoringRule, { id: 'ScoringRule' }],
  [ScoringModelInput, { id: 'ScoringModelUpdate', description: 'The new scoring model: it becomes the next version.', examples: [scoringModel] }],
  [ScoringModel, { id: 'ScoringModel', examples: [{ version: 4, ...scoringModel, updatedAt: at }] }],
];
for (const [schema, meta] of named) apiSchemas.add(schema, meta);
apiSchemas.add(SegmentId, { description: 'A segment id: a slug of 1-64 characters a-z, 0-9 and "-".' });
apiSchemas.add(GroupId, { description: "An A/B group's id, as the segment's experiment declares it." });
apiSchemas.add(CustomerId, { description: 'A customer id, as events carry it in `customerId`.' });
apiSchemas.add(PageQuery.shape.cursor, { description: 'Where the page starts: the `nextCursor` of the page before; absent for the first page.' });
apiSchemas.add(PageQuery.shape.limit, { description: 'Items per page.' });
