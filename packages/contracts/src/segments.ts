import { z } from 'zod';
import { safeText } from './limits.js';
import { Rule, RuleNode } from './rules.js';

export const SegmentId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'expected a slug of 1-64 characters a-z, 0-9 and "-"');

/** An A/B group's id: what `data.group` and the members listing carry. */
export const GroupId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected 1-64 characters A-Z, a-z, 0-9, "_" and "-", starting with a letter or digit');

/**
 * An A/B test inside a segment: each member gets one group, by a stable hash of the
 * experiment's name and the customer id, with a chance proportional to its weight.
 */
export const Experiment = z
  .object({
    name: safeText(128, 1),
    groups: z
      .array(z.object({ id: GroupId, weight: z.number().positive().max(1_000_000) }))
      .min(1)
      .max(100),
  })
  .superRefine((experiment, ctx) => {
    const seen = new Set<string>();
    experiment.groups.forEach((group, index) => {
      if (seen.has(group.id)) ctx.addIssue({ code: 'custom', path: ['groups', index, 'id'], message: `group id ${group.id} is taken by an earlier group` });
      seen.add(group.id);
    });
  });
export type Experiment = z.infer<typeof Experiment>;

export const SegmentInput = z.object({
  id: SegmentId.optional(),
  name: safeText(200, 1),
  description: safeText(2000).default(''),
  rule: Rule,
  enabled: z.boolean().default(true),
  /** An A/B test among the members; none when absent (a PUT without it ends the experiment for later entries). */
  experiment: Experiment.nullable().optional(),
});
export type SegmentInput = z.infer<typeof SegmentInput>;

/** PUT replaces the definition; the server bumps `version`. */
export const SegmentUpdate = SegmentInput.omit({ id: true });
export type SegmentUpdate = z.infer<typeof SegmentUpdate>;

export const Segment = z.object({
  id: SegmentId,
  name: z.string(),
  description: z.string(),
  // Stored rules passed the size checks on the way in; the grammar alone also serialises.
  rule: RuleNode,
  enabled: z.boolean(),
  experiment: Experiment.nullable(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  size: z.number().int().nonnegative(),
  lastChangeAt: z.iso.datetime().nullable(),
});
export type Segment = z.infer<typeof Segment>;

/** `GET /v1/segments`: a page of segments by id; `nextCursor` fetches the next (null on the last page). */
export const SegmentList = z.object({ segments: z.array(Segment), nextCursor: z.string().nullable() });

/** `GET /v1/segments/{id}/members`: a page of members by customer id, in the shape of every listing. */
export const SegmentMembers = z.object({
  members: z.array(z.object({ customerId: z.string(), enteredAt: z.iso.datetime().nullable(), group: GroupId.nullable() })),
  nextCursor: z.string().nullable(),
});
export type SegmentMembers = z.infer<typeof SegmentMembers>;

/** `GET /v1/segments/{id}/members`: a page, of one A/B group's members when `group` is given. */
export const SegmentMembersQuery = z.object({ group: GroupId.optional() });

export const CustomerSegments = z.object({
  customerId: z.string(),
  segments: z.array(z.object({ segmentId: SegmentId, name: z.string(), enteredAt: z.iso.datetime(), group: GroupId.nullable() })),
  /** How current the answer is: the latest decision reflected in it. */
  asOf: z.iso.datetime().nullable(),
});
export type CustomerSegments = z.infer<typeof CustomerSegments>;

/** A slug for a segment named `name`: lower-case words joined by "-". */
export const slugify = (name: string): string => {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
  return slug === '' ? 'segment' : slug;
};

/** `GET /v1/segments/{id}/backfill`: the re-evaluation of every profile after a definition change. */
export const BackfillProgress = z.object({
  segmentId: SegmentId,
  segmentVersion: z.number().int(),
  reason: z.enum(['backfill', 'definition_changed', 'segment_deleted']),
  state: z.enum(['running', 'done', 'superseded']),
  processed: z.number().int().nonnegative(),
  /** Profiles (or members, for a deletion) counted when the job started. */
  total: z.number().int().nonnegative(),
  entered: z.number().int().nonnegative(),
  exited: z.number().int().nonnegative(),
  ratePerSecond: z.number().nonnegative(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type BackfillProgress = z.infer<typeof BackfillProgress>;
