import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { ProfileState } from '@segflow/profile-model';
import type { ProfileDb } from './tables.js';

type Db = Kysely<ProfileDb> | Transaction<ProfileDb>;

/**
 * Records event ids as processed and returns those that were new: the dedupe of
 * DESIGN §7. Run inside the batch transaction, so a rollback forgets them too.
 */
export const claimEventIds = async (trx: Db, events: { eventId: string; customerId: string }[]): Promise<Set<string>> => {
  if (events.length === 0) return new Set();
  const result = await sql<{ event_id: string }>`
    INSERT INTO processed_events (event_id, customer_id)
    SELECT * FROM unnest(${events.map((e) => e.eventId)}::text[], ${events.map((e) => e.customerId)}::text[])
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id`.execute(trx);
  return new Set(result.rows.map((r) => r.event_id));
};

/** Loads and row-locks the profiles of `customerIds` (absent ones are simply missing). */
export const lockProfiles = async (trx: Db, customerIds: string[]): Promise<Map<string, ProfileState>> => {
  if (customerIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('profiles')
    .select(['customer_id', 'state'])
    .where('customer_id', 'in', customerIds)
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.customer_id, r.state]));
};

export const saveProfiles = async (trx: Db, states: ProfileState[]): Promise<void> => {
  if (states.length === 0) return;
  await trx
    .insertInto('profiles')
    .values(states.map((s) => ({ customer_id: s.customerId, version: s.version, state: JSON.stringify(s) })))
    .onConflict((oc) =>
      oc.column('customer_id').doUpdateSet((eb) => ({
        version: eb.ref('excluded.version'),
        state: eb.ref('excluded.state'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
};

export const findProfile = async (db: Db, customerId: string): Promise<ProfileState | undefined> => {
  const row = await db.selectFrom('profiles').select('state').where('customer_id', '=', customerId).executeTakeFirst();
  return row?.state;
};
