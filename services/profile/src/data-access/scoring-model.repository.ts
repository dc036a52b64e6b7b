import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import { DEFAULT_SCORING_MODEL } from '@segflow/contracts';
import type { ScoringModel, ScoringModelInput } from '@segflow/contracts';
import type { ProfileDb } from './tables.js';

type Db = Kysely<ProfileDb> | Transaction<ProfileDb>;

/** The scoring model in force: the highest version, or the default (no rules). */
export const currentScoringModel = async (db: Db): Promise<ScoringModel> => {
  const row = await db.selectFrom('scoring_models').select('model').orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row?.model ?? DEFAULT_SCORING_MODEL;
};

/** Stores `input` as the next version. Concurrent writers serialise on a transaction lock. */
export const saveScoringModel = async (db: Kysely<ProfileDb>, input: ScoringModelInput, now: Date): Promise<ScoringModel> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':segflow-scoring-model'))`.execute(trx);
    const current = await currentScoringModel(trx);
    const model: ScoringModel = { version: current.version + 1, halfLifeDays: input.halfLifeDays, rules: input.rules, updatedAt: now.toISOString() };
    await trx.insertInto('scoring_models').values({ version: model.version, model: JSON.stringify(model) }).execute();
    return model;
  });
