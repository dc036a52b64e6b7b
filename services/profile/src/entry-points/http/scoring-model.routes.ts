import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { ScoringModel, ScoringModelInput } from '@segflow/contracts';
import { currentScoringModel, saveScoringModel } from '../../data-access/scoring-model.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';

/** `GET`/`PUT /v1/scoring-model`: the lead scoring rules and half-life; a PUT makes a new version. */
export const scoringModelRoutes =
  (deps: { db: Kysely<ProfileDb>; now: () => Date }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/v1/scoring-model', { config: { scope: 'segments:read' }, schema: { summary: 'The lead scoring model in force', tags: ['scoring'], response: { 200: ScoringModel } } }, async () =>
      currentScoringModel(deps.db),
    );
    app.put(
      '/v1/scoring-model',
      {
        config: { scope: 'segments:write' }, schema: {
          summary: 'Replace the scoring model; applies to events processed from now on',
          tags: ['scoring'],
          body: ScoringModelInput,
          response: { 200: ScoringModel },
        },
      },
      async (request) => saveScoringModel(deps.db, request.body, deps.now()),
    );
  };
