import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { enqueueOutbox } from '@segflow/db';
import type { ProfileErased } from '@segflow/contracts';
import type { ProfileDb } from './tables.js';

/**
 * Erases a customer in one transaction: the profile, the ids merged into it (their alias
 * rows, recursively: a → b → c erases a and b with c), the event ids remembered for
 * dedupe under any of them, and an `erased` change naming the merged ids through the
 * outbox, so the segment service exits them from every segment. Erasing an alias removes
 * it and the aliases that lead to it; what they brought stays with the customer they
 * merged into. Returns false when nothing was known of the id.
 */
export const eraseCustomer = async (
  db: Kysely<ProfileDb>,
  customerId: string,
  options: { now: Date; profileChangesTopic: string; outboxProducer: string },
): Promise<boolean> =>
  db.transaction().execute(async (trx) => {
    // The customer's row first: a merge into it either finished (its alias is found below) or waits and then finds none.
    await trx.selectFrom('profiles').select('customer_id').where('customer_id', '=', customerId).forUpdate().execute();
    const tree = await sql<{ customer_id: string }>`
      WITH RECURSIVE tree(customer_id) AS (
        SELECT ${customerId}::text
        UNION SELECT p.customer_id FROM profiles p JOIN tree t ON p.merged_into = t.customer_id)
      SELECT customer_id FROM tree`.execute(trx);
    const ids = tree.rows.map((r) => r.customer_id);
    const profiles = await trx.deleteFrom('profiles').where('customer_id', 'in', ids).returning('customer_id').execute();
    const events = await trx.deleteFrom('processed_events').where('customer_id', 'in', ids).executeTakeFirst();
    if (profiles.length === 0 && Number(events.numDeletedRows) === 0) return false;
    const merged = ids.filter((id) => id !== customerId);
    const change: ProfileErased = { kind: 'erased', customerId, erasedAt: options.now.toISOString(), ...(merged.length > 0 ? { merged } : {}) };
    await enqueueOutbox(trx, options.outboxProducer, [{ topic: options.profileChangesTopic, key: customerId, value: JSON.stringify(change) }]);
    return true;
  });

/**
 * Forgets event ids processed before `before` (the dedupe horizon), a chunk at a time so
 * no single statement holds locks for long. Returns how many were removed.
 */
export const expireProcessedEvents = async (db: Kysely<ProfileDb>, before: Date, chunk = 10_000): Promise<number> => {
  let removed = 0;
  for (;;) {
    const result = await sql`
      DELETE FROM processed_events WHERE ctid IN (
        SELECT ctid FROM processed_events WHERE processed_at < ${before} LIMIT ${chunk})`.execute(db);
    const n = Number(result.numAffectedRows ?? 0n);
    removed += n;
    if (n < chunk) return removed;
  }
};
