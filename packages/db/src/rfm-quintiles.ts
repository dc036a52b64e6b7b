import type { Kysely, Transaction } from 'kysely';
import type { RfmQuintiles } from '@segflow/contracts';
import type { SharedTables } from './tables.js';

/** The latest RFM quintiles (null before the first computation). */
export const currentRfmQuintiles = async <DB extends SharedTables>(executor: Kysely<DB> | Transaction<DB>): Promise<RfmQuintiles | null> => {
  const row = await (executor as unknown as Kysely<SharedTables>)
    .selectFrom('rfm_quintiles')
    .select('quintiles')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.quintiles ?? null;
};

/** Records newly computed quintiles; older rows are kept a while for comparison, then pruned. */
export const saveRfmQuintiles = async <DB extends SharedTables>(executor: Kysely<DB>, quintiles: RfmQuintiles): Promise<void> => {
  const db = executor as unknown as Kysely<SharedTables>;
  const { id } = await db.insertInto('rfm_quintiles').values({ quintiles: JSON.stringify(quintiles) }).returning('id').executeTakeFirstOrThrow();
  await db.deleteFrom('rfm_quintiles').where('id', '<', id - 10n).execute();
};
