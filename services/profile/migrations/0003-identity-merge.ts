import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const identityMerge: Migration = {
  up: async (db: Kysely<unknown>) => {
    // An id merged into another customer keeps its row, as an alias naming that customer:
    // every writer of the id locks or inserts that row already, so a merge and a batch
    // writing the anonymous profile cannot pass each other unseen.
    await db.schema.alterTable('profiles').addColumn('merged_into', 'text').execute();
    await db.schema.createIndex('profiles_merged_into').on('profiles').column('merged_into').where(sql.ref('merged_into'), 'is not', null).execute();
  },
};
