import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { CustomerId, CustomerSegments, CustomerSegmentsQuery } from '@segflow/contracts';
import type { Logger } from '@segflow/observability';
import { problems, sendProblem, uncheckedOkSerializer } from '@segflow/service-kit';
import { intervalsAt } from '../../data-access/history.repository.js';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import { customerKnown, readCustomerSegments } from '../../data-access/membership.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';

/**
 * `GET /v1/customers/{id}/segments`: Redis first; on a miss, or when Redis does not
 * answer, Postgres — which then fills the cache. 404 for a customer never evaluated.
 * With `?at=`, the intervals open at that instant, from the membership history.
 */
export const customerSegmentsRoutes =
  (deps: { db: Kysely<SegmentDb>; cache: MembershipCache; log: Logger }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/customers/:id/segments',
      {
        config: { scope: 'customers:read' },
        // The API's hottest read; its answers come from code typed by the schema.
        serializerCompiler: uncheckedOkSerializer,
        schema: {
          operationId: 'getCustomerSegments',
          summary: 'The segments a customer is in',
          description:
            'From the read model (Redis), else Postgres. `asOf` is the latest decision the answer reflects. ' +
            'With `at`, the segments the customer was in at that instant, from the membership history (kept for the retention period after each exit); `asOf` is then `at`.',
          tags: ['customers'],
          params: z.object({ id: CustomerId }),
          querystring: CustomerSegmentsQuery,
          response: { 200: CustomerSegments, ...problems(404) },
        },
      },
      async (request, reply) => {
        const customerId = request.params.id;
        const { at } = request.query;
        if (at !== undefined) {
          const instant = new Date(at);
          const open = await intervalsAt(deps.db, customerId, instant);
          if (open.length === 0 && !(await customerKnown(deps.db, customerId))) return sendProblem(reply, 'not_found', `no customer ${customerId}`);
          return {
            customerId,
            segments: open.map((i) => ({ segmentId: i.segmentId, name: i.name, enteredAt: i.enteredAt.toISOString(), group: i.group })),
            asOf: instant.toISOString(),
          };
        }
        const cached = await deps.cache.read(customerId).catch((err: unknown) => {
          request.log.warn({ err }, 'membership cache unavailable; reading Postgres');
          return null;
        });
        if (cached) return cached;
        const stored = await readCustomerSegments(deps.db, customerId);
        if (!stored) return sendProblem(reply, 'not_found', `no customer ${customerId}`);
        await deps.cache
          .fill(customerId, stored.memberships.map((m) => ({ ...m, enteredAt: m.enteredAt?.toISOString() ?? null })), stored.evaluatedAt)
          .catch((err: unknown) => deps.log.debug({ err }, 'membership cache fill skipped'));
        return {
          customerId,
          segments: stored.memberships
            .filter((m) => m.isMember)
            .map((m) => ({ segmentId: m.segmentId, name: m.name, enteredAt: (m.enteredAt ?? stored.evaluatedAt).toISOString(), group: m.group })),
          asOf: stored.evaluatedAt.toISOString(),
        };
      },
    );
  };
