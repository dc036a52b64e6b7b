import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { ApiError, ProfileSnapshot } from '@segflow/contracts';
import { findProfile } from '../../data-access/profile.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';

/** `GET /v1/customers/{id}`: the customer's profile; 404 when no event was ever applied. */
export const customersRoutes =
  (deps: { db: Kysely<ProfileDb> }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/customers/:id',
      {
        schema: {
          summary: "A customer's profile",
          tags: ['customers'],
          params: z.object({ id: z.string().min(1).max(128) }),
          response: { 200: ProfileSnapshot, 404: ApiError },
        },
      },
      async (request, reply) => {
        const state = await findProfile(deps.db, request.params.id);
        if (!state) return reply.code(404).send({ error: 'not_found', message: `no customer ${request.params.id}` });
        return state.snapshot;
      },
    );
  };
