import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { BackfillProgress, PageQuery, Segment, SegmentId, SegmentInput, SegmentList, SegmentMembers, SegmentMembersQuery, SegmentUpdate, slugify } from '@segflow/contracts';
import type { Logger } from '@segflow/observability';
import { etagOf, IfMatchHeaders, ifMatchAdmits, preconditionFailed, problems, sendProblem } from '@segflow/service-kit';
import { latestJob, lockRunningJobs, startBackfill } from '../../data-access/backfill.repository.js';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import { countMembers, countProfiles, listMembers } from '../../data-access/membership.repository.js';
import { findSegment, insertSegment, listSegments, lockSegmentVersion, markSegmentDeleted, updateSegment } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';

const idParams = z.object({ id: SegmentId });

/** What a change of a segment found: the segment gone, or at another version than If-Match asked for. */
type Refusal = { refused: 'not_found' } | { refused: 'changed'; version: number };

/**
 * Segment definitions. Creating, changing or deleting one starts a backfill that
 * re-evaluates every stored profile (reasons `backfill`, `definition_changed`,
 * `segment_deleted`); live traffic uses the new definition at once. A segment's ETag is
 * its version: a PUT or DELETE with If-Match naming another version changes nothing (412).
 */
export const segmentsRoutes =
  (deps: { db: Kysely<SegmentDb>; cache: MembershipCache; now: () => Date; log: Logger; backfillStarted: () => void }): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = deps;
    const rememberName = (segment: Segment) =>
      deps.cache.setSegmentName(segment.id, segment.name).catch((err: unknown) => deps.log.warn({ err }, 'segment name cache write failed'));
    const notFound = (reply: Parameters<typeof sendProblem>[0], id: string) => sendProblem(reply, 'not_found', `no segment ${id}`);
    const refuse = (reply: Parameters<typeof sendProblem>[0], id: string, refusal: Refusal, ifMatch: string | undefined) =>
      refusal.refused === 'not_found' ? notFound(reply, id) : preconditionFailed(reply, `segment ${id}`, refusal.version, ifMatch);
    /** Locks the segment (after its running backfill, in the runner's order) and checks If-Match against its version. */
    const lockFor = async (trx: Parameters<typeof lockSegmentVersion>[0], id: string, ifMatch: string | undefined): Promise<Refusal | null> => {
      await lockRunningJobs(trx, id);
      const version = await lockSegmentVersion(trx, id);
      if (version === null) return { refused: 'not_found' };
      return ifMatchAdmits(ifMatch, version) ? null : { refused: 'changed', version };
    };

    app.post(
      '/v1/segments',
      {
        config: { scope: 'segments:write' },
        schema: {
          operationId: 'createSegment',
          summary: 'Create a segment',
          description: 'Stores the definition at version 1 and starts a backfill over every stored profile (reason `backfill`). The id defaults to a slug of the name; 409 when it is taken.',
          tags: ['segments'],
          body: SegmentInput,
          response: { 201: Segment, ...problems(409) },
          'x-response-headers': { 201: ['Location', 'ETag'] },
        },
      },
      async (request, reply) => {
        const { id, ...definition } = request.body;
        const segmentId = id ?? slugify(definition.name);
        const created = await db.transaction().execute(async (trx) => {
          const segment = await insertSegment(trx, { id: segmentId, ...definition });
          if (segment) await startBackfill(trx, { segmentId, segmentVersion: 1, reason: 'backfill', total: await countProfiles(trx) });
          return segment;
        });
        if (!created) return sendProblem(reply, 'conflict', `segment id ${segmentId} is taken`);
        await rememberName(created);
        deps.backfillStarted();
        return reply.code(201).header('location', `/v1/segments/${created.id}`).header('etag', etagOf(created.version)).send(created);
      },
    );

    app.get(
      '/v1/segments',
      {
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'listSegments',
          summary: 'List segments, a page at a time, by id',
          description: 'Pass `nextCursor` as `cursor` for the next page; it is null on the last one.',
          tags: ['segments'],
          querystring: PageQuery,
          response: { 200: SegmentList },
        },
      },
      async (request) => {
        const { cursor, limit } = request.query;
        const segments = await listSegments(db, cursor ?? null, limit);
        return { segments, nextCursor: segments.length === limit ? segments.at(-1)!.id : null };
      },
    );

    app.get(
      '/v1/segments/:id',
      {
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'getSegment',
          summary: 'A segment with its size and last change',
          tags: ['segments'],
          params: idParams,
          response: { 200: Segment, ...problems(404) },
          'x-response-headers': { 200: ['ETag'] },
        },
      },
      async (request, reply) => {
        const segment = await findSegment(db, request.params.id);
        if (!segment) return notFound(reply, request.params.id);
        return reply.header('etag', etagOf(segment.version)).send(segment);
      },
    );

    app.put(
      '/v1/segments/:id',
      {
        config: { scope: 'segments:write' },
        schema: {
          operationId: 'replaceSegment',
          summary: 'Replace a definition (new version)',
          description:
            'The definition becomes the next version and a backfill re-evaluates everyone (reason `definition_changed`). ' +
            'With If-Match, only when the segment is still at that version; else 412 and nothing changes.',
          tags: ['segments'],
          params: idParams,
          headers: IfMatchHeaders,
          body: SegmentUpdate,
          response: { 200: Segment, ...problems(404, 412) },
          'x-response-headers': { 200: ['ETag'] },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const ifMatch = request.headers['if-match'];
        const outcome = await db.transaction().execute(async (trx) => {
          const refusal = await lockFor(trx, id, ifMatch);
          if (refusal) return refusal;
          const segment = (await updateSegment(trx, { id, ...request.body }))!;
          const total = segment.enabled ? await countProfiles(trx) : await countMembers(trx, segment.id);
          await startBackfill(trx, { segmentId: segment.id, segmentVersion: segment.version, reason: 'definition_changed', total });
          return { segment };
        });
        if ('refused' in outcome) return refuse(reply, id, outcome, ifMatch);
        await rememberName(outcome.segment);
        deps.backfillStarted();
        return reply.header('etag', etagOf(outcome.segment.version)).send(outcome.segment);
      },
    );

    app.delete(
      '/v1/segments/:id',
      {
        config: { scope: 'segments:write' },
        schema: {
          operationId: 'deleteSegment',
          summary: 'Delete a segment; every member exits (reason segment_deleted)',
          description: 'With If-Match, only when the segment is still at that version; else 412 and nothing changes.',
          tags: ['segments'],
          params: idParams,
          headers: IfMatchHeaders,
          response: { 204: z.null(), ...problems(404, 412) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const ifMatch = request.headers['if-match'];
        const outcome = await db.transaction().execute(async (trx) => {
          const refusal = await lockFor(trx, id, ifMatch);
          if (refusal) return refusal;
          const segment = (await markSegmentDeleted(trx, id, deps.now()))!;
          const total = await countMembers(trx, segment.id);
          await startBackfill(trx, { segmentId: segment.id, segmentVersion: segment.version, reason: 'segment_deleted', total });
          return { segment };
        });
        if ('refused' in outcome) return refuse(reply, id, outcome, ifMatch);
        deps.backfillStarted();
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/segments/:id/backfill',
      {
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'getSegmentBackfill',
          summary: "Progress of the segment's latest backfill",
          tags: ['segments'],
          params: idParams,
          response: { 200: BackfillProgress, ...problems(404) },
        },
      },
      async (request, reply) => {
        const job = await latestJob(db, request.params.id);
        if (!job) return notFound(reply, request.params.id);
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
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'listSegmentMembers',
          summary: "A page of a segment's members, by customer id",
          description: "Each with the A/B group it got at entry (null without an experiment); `group` lists one group's members. Pass `nextCursor` as `cursor` for the next page; it is null on the last one.",
          tags: ['segments'],
          params: idParams,
          querystring: PageQuery.extend(SegmentMembersQuery.shape),
          response: { 200: SegmentMembers, ...problems(404) },
        },
      },
      async (request, reply) => {
        if (!(await findSegment(db, request.params.id))) return notFound(reply, request.params.id);
        const { cursor, limit, group } = request.query;
        const rows = await listMembers(db, request.params.id, cursor ?? null, limit, group ?? null);
        return {
          members: rows.map((r) => ({ customerId: r.customer_id, enteredAt: r.entered_at?.toISOString() ?? null, group: r.group_id })),
          nextCursor: rows.length === limit ? rows.at(-1)!.customer_id : null,
        };
      },
    );
  };
