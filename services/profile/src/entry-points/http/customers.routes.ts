import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { apiSchemas, CustomerId, ProfileView, RfmQuintiles } from '@segflow/contracts';
import { currentRfmQuintiles } from '@segflow/db';
import { deriveProfile } from '@segflow/profile-model';
import type { LifecycleConfig } from '@segflow/profile-model';
import { problems, sendProblem } from '@segflow/service-kit';
import { eraseCustomer } from '../../data-access/erasure.repository.js';
import { findProfile } from '../../data-access/profile.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';

const customerParams = z.object({ id: CustomerId });
const CustomerErased = z.object({ customerId: z.string(), status: z.literal('erased') });
apiSchemas.add(CustomerErased, { id: 'CustomerErased', description: 'The profile is gone; the membership exits follow.', examples: [{ customerId: 'c-42', status: 'erased' }] });

/**
 * `GET /v1/customers/{id}`: the customer's profile; 404 when no event was ever applied.
 * `DELETE /v1/customers/{id}`: erasure; the profile is gone when it answers, the
 * membership exits (reason `customer_erased`) follow through the pipeline.
 */
export const customersRoutes =
  (deps: {
    db: Kysely<ProfileDb>;
    now: () => Date;
    profileChangesTopic: string;
    outboxProducer: string;
    lifecycle: LifecycleConfig;
    recomputeRfm: () => Promise<RfmQuintiles>;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    app.delete(
      '/v1/customers/:id',
      {
        config: { scope: 'customers:erase' }, schema: {
          operationId: 'eraseCustomer',
          summary: 'Erase a customer (GDPR): profile, dedupe records, memberships, cache',
          description:
            'The profile is gone when this answers, with the ids merged into it by identify events (their aliases); each membership exits with reason `customer_erased` through the pipeline. ' +
            'Erasing an id that was merged into another customer removes its alias only: what it brought is part of that customer.',
          tags: ['customers'],
          params: customerParams,
          response: { 202: CustomerErased, ...problems(404) },
        },
      },
      async (request, reply) => {
        const erased = await eraseCustomer(deps.db, request.params.id, { now: deps.now(), profileChangesTopic: deps.profileChangesTopic, outboxProducer: deps.outboxProducer });
        if (!erased) return sendProblem(reply, 'not_found', `no customer ${request.params.id}`);
        return reply.code(202).send({ customerId: request.params.id, status: 'erased' });
      },
    );

    app.get(
      '/v1/customers/:id',
      {
        config: { scope: 'customers:read' }, schema: {
          operationId: 'getCustomer',
          summary: "A customer's profile with derived fields: age, average order value, lead score decayed to now, lifecycle stage, RFM",
          description: 'An id merged into another customer by an identify event answers 404, naming that customer in `detail`.',
          tags: ['customers'],
          params: customerParams,
          response: { 200: ProfileView, ...problems(404) },
        },
      },
      async (request, reply) => {
        const found = await findProfile(deps.db, request.params.id);
        if (!found) return sendProblem(reply, 'not_found', `no customer ${request.params.id}`);
        if (found.mergedInto !== null) return sendProblem(reply, 'not_found', `customer ${request.params.id} was merged into ${found.mergedInto}`);
        const quintiles = await currentRfmQuintiles(deps.db);
        return deriveProfile(found.state, deps.now(), { lifecycle: deps.lifecycle, ...(quintiles ? { rfm: { quintiles } } : {}) });
      },
    );

    app.post(
      '/v1/ops/rfm/recompute',
      {
        config: { scope: 'segments:write' }, schema: {
          operationId: 'recomputeRfm',
          summary: 'Recompute the RFM population quintiles now (they are also recomputed on a schedule)',
          tags: ['ops'],
          response: { 200: RfmQuintiles },
        },
      },
      async () => deps.recomputeRfm(),
    );
  };
