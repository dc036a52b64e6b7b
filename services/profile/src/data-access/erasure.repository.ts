import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { enqueueOutbox } from '@segflow/db';
import type { ProfileErased } from '@segflow/contracts';
import type { ProfileDb } from './tables.js';

/**
 * Erases a customer in one transaction: the profile, the event ids remembered for
 * dedupe, and an `erased` change through the outbox so the segment service exits the
 * customer from every segment. Returns false when nothing was known of the customer.
 */
export const eraseCustomer = async (
  db: Kysely<ProfileDb>,
  customerId: string,
  options: { now: Date; profileChangesTopic: string; outboxProducer: string },
): Promise<boolean> =>
  db.transaction().execute(async (trx) => {
    const profile = await trx.deleteFrom('profiles').where('customer_id', '=', customerId).returning('customer_id').executeTakeFirst();
    const events = await trx.deleteFrom('processed_events').where('customer_id', '=', customerId).executeTakeFirst();
    if (!profile && Number(events.numDeletedRows) === 0) return false;
    const change: ProfileErased = { kind: 'erased', customerId, erasedAt: options.now.toISOString() };
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
