import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { ApiError, CLOUDEVENTS_CONTENT_TYPE, Segment, SegmentId, SegmentInput, SegmentList, SegmentUpdate, slugify } from '@segflow/contracts';
import { enqueueOutbox } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import { exitAllMembers, listMembers } from '../../data-access/membership.repository.js';
import { deleteSegmentRow, findSegment, insertSegment, listSegments, updateSegment } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import { toMembershipEvent } from '../../domain/decide.js';
import { cacheEntries } from '../cache-entries.js';
import { SEGMENT_OUTBOX } from '../kafka/profile-changes.handler.js';

const idParams = z.object({ id: SegmentId });
const notFound = (id: string) => ({ error: 'not_found', message: `no segment ${id}` });

/**
 * Segment definitions. A new or changed definition applies to every profile change
 * from then on; re-evaluating existing profiles (backfill) is not part of this API yet.
 */
export const segmentsRoutes =
  (deps: { db: Kysely<SegmentDb>; cache: MembershipCache; membershipTopic: string; now: () => Date; log: Logger }): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = deps;
    const rememberName = (segment: Segment) =>
      deps.cache.setSegmentName(segment.id, segment.name).catch((err: unknown) => deps.log.warn({ err }, 'segment name cache write failed'));

    app.post(
      '/v1/segments',
      { schema: { summary: 'Create a segment', tags: ['segments'], body: SegmentInput, response: { 201: Segment, 409: ApiError } } },
      async (request, reply) => {
        const { id, ...definition } = request.body;
        const segmentId = id ?? slugify(definition.name);
        const created = await insertSegment(db, { id: segmentId, ...definition });
        if (!created) return reply.code(409).send({ error: 'conflict', message: `segment id ${segmentId} is taken` });
        await rememberName(created);
        return reply.code(201).send(created);
      },
    );

    app.get('/v1/segments', { schema: { summary: 'List segments', tags: ['segments'], response: { 200: SegmentList } } }, async () => ({
      segments: await listSegments(db),
    }));

    app.get(
      '/v1/segments/:id',
      { schema: { summary: 'A segment with its size and last change', tags: ['segments'], params: idParams, response: { 200: Segment, 404: ApiError } } },
      async (request, reply) => (await findSegment(db, request.params.id)) ?? reply.code(404).send(notFound(request.params.id)),
    );

    app.put(
      '/v1/segments/:id',
      {
        schema: { summary: 'Replace a definition (new version)', tags: ['segments'], params: idParams, body: SegmentUpdate, response: { 200: Segment, 404: ApiError } },
      },
      async (request, reply) => {
        const updated = await updateSegment(db, { id: request.params.id, ...request.body });
        if (!updated) return reply.code(404).send(notFound(request.params.id));
        await rememberName(updated);
        return updated;
      },
    );

    app.delete(
      '/v1/segments/:id',
      { schema: { summary: 'Delete a segment; every member exits (reason segment_deleted)', tags: ['segments'], params: idParams, response: { 204: z.null(), 404: ApiError } } },
      async (request, reply) => {
        const now = deps.now();
        const exits = await db.transaction().execute(async (trx) => {
          const segment = await deleteSegmentRow(trx, request.params.id);
          if (!segment) return null;
          const decisions = await exitAllMembers(trx, segment, now);
          await enqueueOutbox(
            trx,
            SEGMENT_OUTBOX,
            decisions.map((d) => ({
              topic: deps.membershipTopic,
              key: d.customerId,
              value: JSON.stringify(toMembershipEvent(d, { reason: 'segment_deleted', decidedAt: now, causationEventId: null, eventTime: null, profileVersion: null })),
              headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
            })),
          );
          return decisions;
        });
        if (!exits) return reply.code(404).send(notFound(request.params.id));
        await deps.cache.recordChanges(cacheEntries(exits, now), now).catch((err: unknown) => deps.log.warn({ err }, 'membership cache write failed'));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/segments/:id/members',
      {
        schema: {
          summary: "A page of a segment's members, by customer id",
          tags: ['segments'],
          params: idParams,
          querystring: z.object({ cursor: z.string().min(1).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: {
            200: z.object({ members: z.array(z.object({ customerId: z.string(), enteredAt: z.iso.datetime().nullable() })), nextCursor: z.string().nullable() }),
            404: ApiError,
          },
        },
      },
      async (request, reply) => {
        if (!(await findSegment(db, request.params.id))) return reply.code(404).send(notFound(request.params.id));
        const { cursor, limit } = request.query;
        const rows = await listMembers(db, request.params.id, cursor ?? null, limit);
        return {
          members: rows.map((r) => ({ customerId: r.customer_id, enteredAt: r.entered_at?.toISOString() ?? null })),
          nextCursor: rows.length === limit ? rows.at(-1)!.customer_id : null,
        };
      },
    );
  };
