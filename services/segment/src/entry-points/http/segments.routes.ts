import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { ApiError, BackfillProgress, Segment, SegmentId, SegmentInput, SegmentList, SegmentUpdate, slugify } from '@segflow/contracts';
import type { Logger } from '@segflow/observability';
import { latestJob, startBackfill } from '../../data-access/backfill.repository.js';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import { countMembers, countProfiles, listMembers } from '../../data-access/membership.repository.js';
import { findSegment, insertSegment, listSegments, markSegmentDeleted, updateSegment } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';

const idParams = z.object({ id: SegmentId });
const notFound = (id: string) => ({ error: 'not_found', message: `no segment ${id}` });

/**
 * Segment definitions. Creating, changing or deleting one starts a backfill that
 * re-evaluates every stored profile (reasons `backfill`, `definition_changed`,
 * `segment_deleted`); live traffic uses the new definition at once.
 */
export const segmentsRoutes =
  (deps: { db: Kysely<SegmentDb>; cache: MembershipCache; now: () => Date; log: Logger; backfillStarted: () => void }): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = deps;
    const rememberName = (segment: Segment) =>
      deps.cache.setSegmentName(segment.id, segment.name).catch((err: unknown) => deps.log.warn({ err }, 'segment name cache write failed'));

    app.post(
      '/v1/segments',
      { config: { scope: 'segments:write' }, schema: { summary: 'Create a segment', tags: ['segments'], body: SegmentInput, response: { 201: Segment, 409: ApiError } } },
      async (request, reply) => {
        const { id, ...definition } = request.body;
        const segmentId = id ?? slugify(definition.name);
        const created = await db.transaction().execute(async (trx) => {
          const segment = await insertSegment(trx, { id: segmentId, ...definition });
          if (segment) await startBackfill(trx, { segmentId, segmentVersion: 1, reason: 'backfill', total: await countProfiles(trx) });
          return segment;
        });
        if (!created) return reply.code(409).send({ error: 'conflict', message: `segment id ${segmentId} is taken` });
        await rememberName(created);
        deps.backfillStarted();
        return reply.code(201).send(created);
      },
    );

    app.get('/v1/segments', { config: { scope: 'segments:read' }, schema: { summary: 'List segments', tags: ['segments'], response: { 200: SegmentList } } }, async () => ({
      segments: await listSegments(db),
    }));

    app.get(
      '/v1/segments/:id',
      { config: { scope: 'segments:read' }, schema: { summary: 'A segment with its size and last change', tags: ['segments'], params: idParams, response: { 200: Segment, 404: ApiError } } },
      async (request, reply) => (await findSegment(db, request.params.id)) ?? reply.code(404).send(notFound(request.params.id)),
    );

    app.put(
      '/v1/segments/:id',
      {
        config: { scope: 'segments:write' }, schema: { summary: 'Replace a definition (new version)', tags: ['segments'], params: idParams, body: SegmentUpdate, response: { 200: Segment, 404: ApiError } },
      },
      async (request, reply) => {
        const updated = await db.transaction().execute(async (trx) => {
          const segment = await updateSegment(trx, { id: request.params.id, ...request.body });
          if (segment) {
            const total = segment.enabled ? await countProfiles(trx) : await countMembers(trx, segment.id);
            await startBackfill(trx, { segmentId: segment.id, segmentVersion: segment.version, reason: 'definition_changed', total });
          }
          return segment;
        });
        if (!updated) return reply.code(404).send(notFound(request.params.id));
        await rememberName(updated);
        deps.backfillStarted();
        return updated;
      },
    );

    app.delete(
      '/v1/segments/:id',
      { config: { scope: 'segments:write' }, schema: { summary: 'Delete a segment; every member exits (reason segment_deleted)', tags: ['segments'], params: idParams, response: { 204: z.null(), 404: ApiError } } },
      async (request, reply) => {
        const deleted = await db.transaction().execute(async (trx) => {
          const segment = await markSegmentDeleted(trx, request.params.id, deps.now());
          if (segment) {
            const total = await countMembers(trx, segment.id);
            await startBackfill(trx, { segmentId: segment.id, segmentVersion: segment.version, reason: 'segment_deleted', total });
          }
          return segment;
        });
        if (!deleted) return reply.code(404).send(notFound(request.params.id));
        deps.backfillStarted();
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/segments/:id/backfill',
      {
        config: { scope: 'segments:read' }, schema: {
          summary: "Progress of the segment's latest backfill",
          tags: ['segments'],
          params: idParams,
          response: { 200: BackfillProgress, 404: ApiError },
        },
      },
      async (request, reply) => {
        const job = await latestJob(db, request.params.id);
        if (!job) return reply.code(404).send(notFound(request.params.id));
        const until = job.finished_at ?? job.updated_at;
        const seconds = Math.max((until.getTime() - job.started_at.getTime()) / 1000, 0.001);
        return {
          segmentId: job.segment_id,
          segmentVersion: job.segment_version,
          reason: job.reason,
          state: job.state,
          processed: job.processed,
          total: job.total,
          entered: job.entered,
          exited: job.exited,
          ratePerSecond: Math.round(job.processed / seconds),
          startedAt: job.started_at.toISOString(),
          finishedAt: job.finished_at?.toISOString() ?? null,
        };
      },
    );

    app.get(
      '/v1/segments/:id/members',
      {
        config: { scope: 'segments:read' }, schema: {
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
