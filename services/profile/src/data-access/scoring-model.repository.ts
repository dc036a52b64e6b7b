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

/**
 * Stores `input` as the next version, when `basedOn` accepts the version in force (an
 * If-Match); otherwise stores nothing and returns the model in force. Concurrent writers
 * serialise on a transaction lock, so the check and the write see the same version.
 */
export const saveScoringModel = async (
  db: Kysely<ProfileDb>,
  input: ScoringModelInput,
  now: Date,
  basedOn: (version: number) => boolean = () => true,
): Promise<{ ok: true; model: ScoringModel } | { ok: false; current: ScoringModel }> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':segflow-scoring-model'))`.execute(trx);
    const current = await currentScoringModel(trx);
    if (!basedOn(current.version)) return { ok: false, current };
    const model: ScoringModel = { version: current.version + 1, halfLifeDays: input.halfLifeDays, rules: input.rules, updatedAt: now.toISOString() };
    await trx.insertInto('scoring_models').values({ version: model.version, model: JSON.stringify(model) }).execute();
    return { ok: true, model };
  });
