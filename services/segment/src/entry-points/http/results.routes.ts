import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { SegmentId, SegmentResults, SegmentResultsQuery } from '@segflow/contracts';
import { problems, sendProblem } from '@segflow/service-kit';
import { readResults } from '../../data-access/results.repository.js';
import { findDefinition } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import { figuresOf } from '../../domain/results.js';

const HOUR_MS = 3_600_000;

/**
 * `GET /v1/segments/{id}/results`: how the members who entered in a period responded
 * during their stay, overall and per A/B group, summed from counters kept as the events
 * arrived (no scan of members or profiles).
 */
export const resultsRoutes =
  (deps: { db: Kysely<SegmentDb> }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/segments/:id/results',
      {
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'getSegmentResults',
          summary: 'How the members who entered in a period responded, overall and per A/B group',
          description:
            'Counts the entries whose time falls in [from, to) (rounded out to whole UTC hours), and what those members did during that stay: ' +
            'purchases and revenue, the share who purchased, email opens per campaign and the share who opened. ' +
            'A purchase or open counts when the event carrying it is applied while the customer is a member (the one that makes it exit included, the one that makes it enter not).',
          tags: ['segments'],
          params: z.object({ id: SegmentId }),
          querystring: SegmentResultsQuery,
          response: { 200: SegmentResults, ...problems(404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const from = Math.floor(Date.parse(request.query.from) / HOUR_MS) * HOUR_MS;
        const to = Math.ceil(Date.parse(request.query.to) / HOUR_MS) * HOUR_MS;
        if (from >= to) {
          return sendProblem(reply, 'validation_failed', 'querystring.to: must be after from', { errors: [{ path: 'querystring.to', message: 'must be after from' }] });
        }
        const segment = await findDefinition(deps.db, id);
        if (!segment) return sendProblem(reply, 'not_found', `no segment ${id}`);
        const counters = await readResults(deps.db, id, new Date(from), new Date(to));
        const declared = segment.experiment?.groups.map((g) => g.id) ?? [];
        const others = [...new Set(counters.map((c) => c.group))].filter((g) => g !== '' && !declared.includes(g)).sort();
        const groups: (string | null)[] = [...declared, ...others, ...(counters.some((c) => c.group === '') ? [null] : [])];
        return {
          segmentId: id,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          experiment: segment.experiment?.name ?? null,
          overall: figuresOf(counters),
          groups: groups.map((group) => ({ group, ...figuresOf(counters.filter((c) => c.group === (group ?? ''))) })),
        };
      },
    );
  };
