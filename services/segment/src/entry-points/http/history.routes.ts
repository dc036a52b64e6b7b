import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { CustomerId, SegmentHistory, SegmentHistoryQuery, SegmentId, SizeHistory, SizeHistoryQuery } from '@segflow/contracts';
import type { MembershipInterval } from '@segflow/contracts';
import { problems, sendProblem } from '@segflow/service-kit';
import type { HistoryCursor, StoredInterval } from '../../data-access/history.repository.js';
import { intervalsPage, sizeChanges } from '../../data-access/history.repository.js';
import { customerKnown } from '../../data-access/membership.repository.js';
import { segmentExists } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import { MAX_SIZE_POINTS, SIZE_STEPS, sizePoints, sizeRange } from '../../domain/size-history.js';

/** A page's cursor: the last interval's entry instant, segment and entry sequence. */
const encodeCursor = (i: StoredInterval): string => `${i.enteredAt.toISOString()}|${i.segmentId}|${i.enterSeq}`;
const decodeCursor = (cursor: string): HistoryCursor | null => {
  const [at, segmentId, seq, ...rest] = cursor.split('|');
  if (rest.length > 0 || at === undefined || segmentId === undefined || seq === undefined || !/^\d{1,19}$/.test(seq)) return null;
  const enteredAt = new Date(at);
  return Number.isNaN(enteredAt.getTime()) || !SegmentId.safeParse(segmentId).success ? null : { enteredAt, segmentId, enterSeq: BigInt(seq) };
};

export const toInterval = (i: StoredInterval): MembershipInterval => ({
  segmentId: i.segmentId,
  segmentName: i.name,
  group: i.group,
  entered: { at: i.enteredAt.toISOString(), reason: i.enterReason, explanation: i.enterExplanation },
  exited: i.exitedAt === null ? null : { at: i.exitedAt.toISOString(), reason: i.exitReason!, explanation: i.exitExplanation ?? [] },
});

/**
 * The membership history: a customer's intervals, newest first, and a segment's size over
 * time from its counters (a running sum of entries less exits, no replay of events).
 */
export const historyRoutes =
  (deps: { db: Kysely<SegmentDb>; now: () => Date; retentionMs: number }): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = deps;

    app.get(
      '/v1/customers/:id/segment-history',
      {
        config: { scope: 'customers:read' },
        schema: {
          operationId: 'getCustomerSegmentHistory',
          summary: "A customer's membership intervals, newest entry first",
          description:
            'Every stay in a segment with its entry and exit (null while it lasts), their reasons and the conditions that flipped, ' +
            'kept for the retention period after the exit. Pass `nextCursor` as `cursor` for the next page; it is null on the last one.',
          tags: ['customers'],
          params: z.object({ id: CustomerId }),
          querystring: SegmentHistoryQuery,
          response: { 200: SegmentHistory, ...problems(404) },
        },
      },
      async (request, reply) => {
        const customerId = request.params.id;
        const { cursor, limit } = request.query;
        const after = cursor === undefined ? null : decodeCursor(cursor);
        if (cursor !== undefined && after === null) {
          return sendProblem(reply, 'validation_failed', 'querystring.cursor: not a cursor this listing gave', {
            errors: [{ path: 'querystring.cursor', message: 'not a cursor this listing gave' }],
          });
        }
        const page = await intervalsPage(db, customerId, after, limit);
        if (page.length === 0 && after === null && !(await customerKnown(db, customerId))) return sendProblem(reply, 'not_found', `no customer ${customerId}`);
        return { customerId, intervals: page.map(toInterval), nextCursor: page.length === limit ? encodeCursor(page.at(-1)!) : null };
      },
    );

    app.get(
      '/v1/segments/:id/size-history',
      {
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'getSegmentSizeHistory',
          summary: "A segment's size per hour or day, with entries and exits",
          description:
            'One point per step from `from` to `to` (rounded out to whole UTC steps, and kept within the retention period and now): ' +
            'the size at the end of the step and the entries and exits during it. ' +
            `At most ${MAX_SIZE_POINTS} points; 400 beyond that.`,
          tags: ['segments'],
          params: z.object({ id: SegmentId }),
          querystring: SizeHistoryQuery,
          response: { 200: SizeHistory, ...problems(404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const { step } = request.query;
        const asked = { from: Date.parse(request.query.from), to: Date.parse(request.query.to), step };
        if (asked.from >= asked.to) {
          return sendProblem(reply, 'validation_failed', 'querystring.to: must be after from', { errors: [{ path: 'querystring.to', message: 'must be after from' }] });
        }
        const stepMs = SIZE_STEPS[step];
        const now = deps.now().getTime();
        const range = sizeRange(asked, now, now - deps.retentionMs);
        if ((range.to - range.from) / stepMs > MAX_SIZE_POINTS) {
          const message = `at most ${MAX_SIZE_POINTS} points: choose a shorter range or a longer step`;
          return sendProblem(reply, 'validation_failed', `querystring.from: ${message}`, { errors: [{ path: 'querystring.from', message }] });
        }
        if (!(await segmentExists(db, id))) return sendProblem(reply, 'not_found', `no segment ${id}`);
        const changes = await sizeChanges(db, id, new Date(range.from), new Date(range.to), stepMs);
        return {
          segmentId: id,
          step,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          points: sizePoints(range, stepMs, changes),
        };
      },
    );
  };
