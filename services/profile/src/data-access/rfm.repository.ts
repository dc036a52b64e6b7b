import type { Kysely } from 'kysely';
import type { RfmInputs } from '@segflow/profile-model';
import { rfmInputs } from '@segflow/profile-model';
import type { ProfileDb } from './tables.js';

/** Every customer's RFM inputs at `now`, read a page at a time (no locks: a statistic). */
export const allRfmInputs = async (db: Kysely<ProfileDb>, now: Date, pageSize = 5_000): Promise<RfmInputs[]> => {
  const inputs: RfmInputs[] = [];
  for (let cursor = ''; ; ) {
    const rows = await db
      .selectFrom('profiles')
      .select(['customer_id', 'state', 'merged_into'])
      .where('customer_id', '>', cursor)
      .orderBy('customer_id')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return inputs;
    for (const row of rows) if (row.merged_into === null) inputs.push(rfmInputs(row.state, now)); // aliases are no customers
    cursor = rows.at(-1)!.customer_id;
  }
};
