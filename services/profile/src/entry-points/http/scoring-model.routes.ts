import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { ScoringModel, ScoringModelInput } from '@segflow/contracts';
import { etagOf, IfMatchHeaders, ifMatchAdmits, preconditionFailed, problems } from '@segflow/service-kit';
import { currentScoringModel, saveScoringModel } from '../../data-access/scoring-model.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';

/**
 * `GET`/`PUT /v1/scoring-model`: the lead scoring rules and half-life; a PUT makes a new
 * version. Both answer its ETag; a PUT with If-Match naming another version changes nothing (412).
 */
export const scoringModelRoutes =
  (deps: { db: Kysely<ProfileDb>; now: () => Date }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/scoring-model',
      {
        config: { scope: 'segments:read' },
        schema: {
          operationId: 'getScoringModel',
          summary: 'The lead scoring model in force',
          tags: ['scoring'],
          response: { 200: ScoringModel },
          'x-response-headers': { 200: ['ETag'] },
        },
      },
      async (_request, reply) => {
        const model = await currentScoringModel(deps.db);
        return reply.header('etag', etagOf(model.version)).send(model);
      },
    );
    app.put(
      '/v1/scoring-model',
      {
        config: { scope: 'segments:write' },
        schema: {
          operationId: 'replaceScoringModel',
          summary: 'Replace the scoring model; applies to events processed from now on',
          description: 'The model becomes the next version. With If-Match, only when the model in force is still that version; else 412 and nothing changes.',
          tags: ['scoring'],
          headers: IfMatchHeaders,
          body: ScoringModelInput,
          response: { 200: ScoringModel, ...problems(412) },
          'x-response-headers': { 200: ['ETag'] },
        },
      },
      async (request, reply) => {
        const ifMatch = request.headers['if-match'];
        const saved = await saveScoringModel(deps.db, request.body, deps.now(), (version) => ifMatchAdmits(ifMatch, version));
        if (!saved.ok) return preconditionFailed(reply, 'the scoring model', saved.current.version, ifMatch);
        return reply.header('etag', etagOf(saved.model.version)).send(saved.model);
      },
    );
  };
