import { z } from 'zod';
import { CompareTo, RuleOp, TrendMeasure } from './rules.js';
import { GroupId } from './segments.js';

export const MEMBERSHIP_EVENT_TYPES = ['segflow.segment.entered', 'segflow.segment.exited'] as const;
export const MembershipReason = z.enum(['event', 'time', 'backfill', 'definition_changed', 'segment_deleted', 'customer_erased', 'merged']);
export type MembershipReason = z.infer<typeof MembershipReason>;

/** The two figures a trend compares: its current window and the period before it. */
export const TrendPeriods = z.object({ current: z.number(), previous: z.number() });

/**
 * One condition whose result flipped, with the value now and before. A trend condition
 * also names its `compareTo` and `measure`, and gives in `periods` the two figures behind
 * `actual` and `was`.
 */
export const ExplanationItem = z.object({
  path: z.string(),
  field: z.string(),
  window: z.string().optional(),
  compareTo: CompareTo.optional(),
  measure: TrendMeasure.optional(),
  op: RuleOp,
  value: z.unknown(),
  actual: z.unknown(),
  was: z.unknown(),
  periods: z.object({ actual: TrendPeriods, was: TrendPeriods.nullable() }).optional(),
});
export type ExplanationItem = z.infer<typeof ExplanationItem>;

/** The `data` of a membership CloudEvent: the schema its `dataschema` names. */
export const MembershipEventData = z.object({
  customerId: z.string(),
  segmentId: z.string(),
  segmentVersion: z.number().int(),
  segmentName: z.string(),
  reason: MembershipReason,
  causationEventId: z.string().nullable(),
  eventTime: z.iso.datetime().nullable(),
  profileVersion: z.number().int().nullable(),
  explanation: z.array(ExplanationItem),
  /** The member's A/B group, when the segment declares an experiment (see Experiment). */
  group: GroupId.optional(),
});
export type MembershipEventData = z.infer<typeof MembershipEventData>;

/**
 * CloudEvents 1.0 structured event on `segment-membership.v1` (DESIGN §3). `source` and
 * `dataschema` are absolute URLs under the deployment's public URL (see membershipEventOrigin).
 */
export const MembershipEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.url(),
  type: z.enum(MEMBERSHIP_EVENT_TYPES),
  subject: z.string(),
  time: z.iso.datetime(),
  datacontenttype: z.literal('application/json'),
  dataschema: z.url(),
  data: MembershipEventData,
});
export type MembershipEvent = z.infer<typeof MembershipEvent>;

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** Kafka header of a membership event: when segflow received what caused it (ISO-8601). */
export const RECEIVED_AT_HEADER = 'segflow-received-at';

/** Deterministic id: a republished change carries the same id. */
export const membershipEventId = (segmentId: string, customerId: string, seq: number | bigint): string =>
  `${segmentId}:${customerId}:${seq}`;
