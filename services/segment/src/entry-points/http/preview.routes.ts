import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { apiSchemas, Rule, SegmentId } from '@segflow/contracts';
import { profilesPage } from '../../data-access/membership.repository.js';
import { currentRfmQuintiles } from '@segflow/db';
import type { SegmentDb } from '../../data-access/tables.js';
import { compileWithSettings } from '../../domain/decide.js';
import type { LifecycleConfig } from '@segflow/profile-model';
import { problems, sendProblem } from '@segflow/service-kit';

const PreviewRequest = z.object({
  rule: Rule,
  /** Compare with this segment's current members: who would enter and who would exit. */
  segmentId: SegmentId.optional(),
  sampleSize: z.number().int().min(0).max(100).default(10),
});
const Sample = z.array(z.string());
const PreviewResponse = z.object({
  evaluated: z.number().int(),
  count: z.number().int(),
  sample: Sample,
  changes: z.object({ entering: z.number().int(), exiting: z.number().int(), sampleEntering: Sample, sampleExiting: Sample }).optional(),
});
const example = { field: 'purchase.total', op: 'gte', value: 1000, window: '365d' };
apiSchemas.add(PreviewRequest, { id: 'PreviewRequest', description: 'A rule to try; with segmentId, compared with that segment.', examples: [{ rule: example, segmentId: 'vip-customers', sampleSize: 3 }] });
apiSchemas.add(PreviewResponse, {
  id: 'Preview',
  description: 'Profiles evaluated, how many match and a sample; with segmentId, who would enter and exit.',
  examples: [{ evaluated: 20000, count: 431, sample: ['c-42', 'c-77', 'c-90'], changes: { entering: 12, exiting: 3, sampleEntering: ['c-42'], sampleExiting: ['c-13'] } }],
});

/**
 * `POST /v1/segments/preview`: how many stored profiles a rule matches now, with a sample;
 * given an existing segment, also who would enter and exit. Nothing is stored.
 */
export const previewRoutes =
  (deps: { db: Kysely<SegmentDb>; lifecycle?: LifecycleConfig; pageSize?: number }): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/segments/preview',
      {
        config: { scope: 'segments:read' }, schema: {
          operationId: 'previewSegment',
          summary: 'Count and sample who a rule matches; with segmentId, who would enter and exit',
          description: 'Evaluates the rule over every stored profile now; nothing is stored. 404 when segmentId names no segment.',
          tags: ['segments'],
          body: PreviewRequest,
          response: { 200: PreviewResponse, ...problems(404) },
        },
      },
      async (request, reply) => {
        const { rule, segmentId, sampleSize } = request.body;
        const { db } = deps;
        if (segmentId && !(await db.selectFrom('segments').select('id').where('id', '=', segmentId).where('deleted_at', 'is', null).executeTakeFirst())) {
          return sendProblem(reply, 'not_found', `no segment ${segmentId}`);
        }
        // As live evaluation does: lifecycleStage by this deployment's thresholds.
        const compiled = compileWithSettings(rule, { rfmQuintiles: await currentRfmQuintiles(db) }, deps.lifecycle);
        const now = Date.now();
        const result = { evaluated: 0, count: 0, sample: [] as string[] };
        const changes = { entering: 0, exiting: 0, sampleEntering: [] as string[], sampleExiting: [] as string[] };
        const keep = (list: string[], id: string) => {
          if (list.length < sampleSize) list.push(id);
        };
        for (let cursor: string | null = null; ; ) {
          const page = await profilesPage(db, cursor, deps.pageSize ?? 2000, segmentId ?? null);
          if (page.length === 0) break;
          for (const { profile, isMember } of page) {
            const matches = compiled.matches(profile, now);
            result.evaluated += 1;
            if (matches) {
              result.count += 1;
              keep(result.sample, profile.customerId);
            }
            if (segmentId && matches !== isMember) {
              if (matches) changes.entering += 1;
              else changes.exiting += 1;
              keep(matches ? changes.sampleEntering : changes.sampleExiting, profile.customerId);
            }
          }
          cursor = page.at(-1)!.profile.customerId;
        }
        return segmentId ? { ...result, changes } : result;
      },
    );
  };
