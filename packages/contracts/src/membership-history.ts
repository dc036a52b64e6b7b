import { z } from 'zod';
import { apiSchemas, PageQuery } from './api.js';
import { ExplanationItem, MembershipReason } from './membership.js';
import { GroupId, SegmentId } from './segments.js';

const instant = z.iso.datetime();
/** An instant a client asks about: ISO-8601 with an offset (`Z` or `+01:00`); one schema per parameter, each described on its own. */
const askedInstant = () => z.iso.datetime({ offset: true });

/** `GET /v1/customers/{id}/segments?at=`: the segments at that instant instead of now. */
export const CustomerSegmentsQuery = z.object({ at: askedInstant().optional() });

/** One stay of a customer in a segment: when and why it began, and when and why it ended (null while it lasts). */
export const MembershipInterval = z.object({
  segmentId: SegmentId,
  /** The segment's name now; its id once the segment is gone. */
  segmentName: z.string(),
  /** The A/B group of this stay; null without an experiment. */
  group: GroupId.nullable(),
  entered: z.object({
    at: instant,
    /** Null for a stay that began before history was kept. */
    reason: MembershipReason.nullable(),
    explanation: z.array(ExplanationItem),
  }),
  exited: z.object({ at: instant, reason: MembershipReason, explanation: z.array(ExplanationItem) }).nullable(),
});
export type MembershipInterval = z.infer<typeof MembershipInterval>;

/** `GET /v1/customers/{id}/segment-history`: a page of intervals, newest entry first. */
export const SegmentHistory = z.object({
  customerId: z.string(),
  intervals: z.array(MembershipInterval),
  nextCursor: z.string().nullable(),
});
export type SegmentHistory = z.infer<typeof SegmentHistory>;

export const SegmentHistoryQuery = PageQuery;

/** The steps of a size history: UTC hours or UTC days. */
export const SizeStep = z.enum(['1h', '1d']);

export const SizeHistoryQuery = z.object({
  from: askedInstant(),
  to: askedInstant(),
  step: SizeStep.default('1d'),
});

/** `GET /v1/segments/{id}/size-history`: one point per step. */
export const SizeHistory = z.object({
  segmentId: SegmentId,
  step: SizeStep,
  /** The range answered: the one asked, rounded out to whole steps and kept within the retention period and now. */
  from: instant,
  to: instant,
  points: z.array(
    z.object({
      /** The step's start. */
      at: instant,
      /** Members at the step's end (now, for the step in progress). */
      size: z.number().int().nonnegative(),
      entered: z.number().int().nonnegative(),
      exited: z.number().int().nonnegative(),
    }),
  ),
});
export type SizeHistory = z.infer<typeof SizeHistory>;

const at = '2026-11-23T10:00:00.000Z';
const explanation = [{ path: 'all[0]', field: 'purchase.total', window: '365d', op: 'gte', value: 1000, actual: 1043.5, was: 890 }];
apiSchemas.add(ExplanationItem, {
  id: 'ExplanationItem',
  description: 'A condition whose result flipped: its path in the rule, the value now (`actual`) and at the evaluation before (`was`).',
});
apiSchemas.add(MembershipInterval, {
  id: 'MembershipInterval',
  description: 'A stay in a segment: its entry, and its exit (null while it lasts), each with the reason and the conditions that flipped.',
});
apiSchemas.add(SegmentHistory, {
  id: 'SegmentHistory',
  description: "A page of a customer's membership intervals, newest entry first.",
  examples: [
    {
      customerId: 'c-42',
      intervals: [
        {
          segmentId: 'vip-customers',
          segmentName: 'VIP customers',
          group: 'email',
          entered: { at, reason: 'event', explanation },
          exited: null,
        },
        {
          segmentId: 'lapsed-buyers',
          segmentName: 'Lapsed buyers',
          group: null,
          entered: { at: '2026-09-01T00:00:00.000Z', reason: 'time', explanation: [] },
          exited: { at: '2026-11-23T09:59:58.000Z', reason: 'event', explanation: [] },
        },
      ],
      nextCursor: null,
    },
  ],
});
apiSchemas.add(SizeHistory, {
  id: 'SizeHistory',
  description: "A segment's size at the end of each step, with the entries and exits of the step.",
  examples: [
    {
      segmentId: 'vip-customers',
      step: '1d',
      from: '2026-11-21T00:00:00.000Z',
      to: '2026-11-23T00:00:00.000Z',
      points: [
        { at: '2026-11-21T00:00:00.000Z', size: 1180, entered: 40, exited: 12 },
        { at: '2026-11-22T00:00:00.000Z', size: 1207, entered: 31, exited: 4 },
      ],
    },
  ],
});
apiSchemas.add(CustomerSegmentsQuery.shape.at, { description: 'An instant (ISO-8601 with offset): the segments the customer was in then, from the membership history.' });
apiSchemas.add(SizeHistoryQuery.shape.from, { description: 'The first instant (ISO-8601 with offset), rounded down to a whole step.' });
apiSchemas.add(SizeHistoryQuery.shape.to, { description: 'The end (ISO-8601 with offset, exclusive), rounded up to a whole step.' });
apiSchemas.add(SizeHistoryQuery.shape.step, { description: 'One point per UTC hour (`1h`) or UTC day (`1d`).' });
