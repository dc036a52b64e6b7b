import { z } from 'zod';
import { apiSchemas } from './api.js';
import { GroupId, SegmentId } from './segments.js';

const instant = z.iso.datetime();
const share = z.number().min(0).max(1).nullable();
const perMember = z.number().nonnegative().nullable();

export const SegmentResultsQuery = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
});

/** What the members who entered in a period did during their stay (DESIGN: results). */
export const ResultFigures = z.object({
  /** Entries in the period: a customer who entered twice counts twice. */
  entered: z.number().int().nonnegative(),
  /** Entries followed, during the stay, by at least one purchase. */
  purchasers: z.number().int().nonnegative(),
  /** purchasers ÷ entered; null when nobody entered. */
  purchasedShare: share,
  purchases: z.number().int().nonnegative(),
  purchasesPerMember: perMember,
  /** In the base currency. */
  revenue: z.number().nonnegative(),
  revenuePerMember: perMember,
  emailOpens: z.array(
    z.object({
      campaignId: z.string(),
      opens: z.number().int().nonnegative(),
      /** Entries followed, during the stay, by an open of this campaign. */
      openers: z.number().int().nonnegative(),
      openedShare: share,
    }),
  ),
});
export type ResultFigures = z.infer<typeof ResultFigures>;

/** `GET /v1/segments/{id}/results`: for the whole segment and per A/B group. */
export const SegmentResults = z.object({
  segmentId: SegmentId,
  /** The period answered: the one asked, rounded out to whole UTC hours. */
  from: instant,
  to: instant,
  /** The experiment's name now; null without one. */
  experiment: z.string().nullable(),
  overall: ResultFigures,
  /** The experiment's groups in their order, then any other group members entered with (null: without a group). */
  groups: z.array(ResultFigures.extend({ group: GroupId.nullable() })),
});
export type SegmentResults = z.infer<typeof SegmentResults>;

const figures = (entered: number, purchasers: number, purchases: number, revenue: number, openers: number, opens: number) => ({
  entered,
  purchasers,
  purchasedShare: purchasers / entered,
  purchases,
  purchasesPerMember: purchases / entered,
  revenue,
  revenuePerMember: revenue / entered,
  emailOpens: [{ campaignId: 'win-back-1', opens, openers, openedShare: openers / entered }],
});
apiSchemas.add(ResultFigures, { id: 'ResultFigures', description: 'What the members who entered in the period did during their stay in the segment.' });
apiSchemas.add(SegmentResults, {
  id: 'SegmentResults',
  description: "A segment's results for the members who entered in the period, overall and per A/B group.",
  examples: [
    {
      segmentId: 'lapsed-buyers',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      experiment: 'win-back-2026',
      overall: figures(1000, 150, 200, 9000, 420, 610),
      groups: [
        { group: 'email', ...figures(900, 144, 192, 8640, 420, 610) },
        { group: 'holdout', ...figures(100, 6, 8, 360, 0, 0), emailOpens: [] },
      ],
    },
  ],
});
apiSchemas.add(SegmentResultsQuery.shape.from, { description: 'The start of the period (ISO-8601 with offset), rounded down to a whole UTC hour: members who entered from then on count.' });
apiSchemas.add(SegmentResultsQuery.shape.to, { description: 'The end of the period (ISO-8601 with offset, exclusive), rounded up to a whole UTC hour.' });
