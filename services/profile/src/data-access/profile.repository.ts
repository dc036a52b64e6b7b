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

/** The locked rows of a batch: profiles by id, aliases (id → the id it merged into), and every id that has a row. */
export interface LockedProfiles {
  profiles: Map<string, ProfileState>;
  aliases: Map<string, string>;
  stored: Set<string>;
}

/**
 * Loads and row-locks the profiles of `customerIds`, following aliases to the customers
 * they merged into (locked too); absent ids are simply missing. One statement, plus one
 * per alias hop when an id of the batch was merged into a customer outside it.
 */
export const lockProfiles = async (trx: Db, customerIds: string[]): Promise<LockedProfiles> => {
  const locked: LockedProfiles = { profiles: new Map(), aliases: new Map(), stored: new Set() };
  const asked = new Set<string>();
  for (let wanted = [...new Set(customerIds)]; wanted.length > 0; ) {
    for (const id of wanted) asked.add(id);
    const rows = await trx
      .selectFrom('profiles')
      .select(['customer_id', 'state', 'merged_into'])
      .where('customer_id', 'in', wanted)
      .forUpdate()
      .execute();
    for (const row of rows) {
      locked.stored.add(row.customer_id);
      if (row.merged_into === null) locked.profiles.set(row.customer_id, row.state);
      else locked.aliases.set(row.customer_id, row.merged_into);
    }
    wanted = [...new Set(rows.flatMap((r) => (r.merged_into !== null && !asked.has(r.merged_into) ? [r.merged_into] : [])))];
  }
  return locked;
};

/**
 * Stores profiles and new aliases (an alias keeps its id's row, with an empty `state`) in
 * one upsert, and returns the ids whose row was not as the batch locked it: a row that
 * became an alias meanwhile (an identify on another partition merged it), or one that
 * another batch created after this one found none. The caller then rolls back and
 * retries, and the retry sees the row as it is.
 */
export const saveProfiles = async (
  trx: Db,
  rows: { state: ProfileState; mergedInto?: string }[],
  stored: ReadonlySet<string>,
  /** The states already serialised (the caller publishes the same JSON); the others are serialised here. */
  serialised: ReadonlyMap<ProfileState, string> = new Map(),
): Promise<string[]> => {
  if (rows.length === 0) return [];
  const written = await trx
    .insertInto('profiles')
    .values(
      rows.map((r) => ({
        customer_id: r.state.customerId,
        version: r.state.version,
        state: serialised.get(r.state) ?? JSON.stringify(r.state),
        merged_into: r.mergedInto ?? null,
      })),
    )
    .onConflict((oc) =>
      oc
        .column('customer_id')
        .doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          state: eb.ref('excluded.state'),
          merged_into: eb.ref('excluded.merged_into'),
          updated_at: sql<Date>`now()`,
        }))
        .where('profiles.merged_into', 'is', null),
    )
    .returning(['customer_id', sql<boolean>`xmax = 0`.as('inserted')])
    .execute();
  const inserted = new Map(written.map((r) => [r.customer_id, r.inserted]));
  return rows.map((r) => r.state.customerId).filter((id) => inserted.get(id) !== !stored.has(id));
};

/** A customer's profile, or the customer its id was merged into; undefined when nothing is known of it. */
export const findProfile = async (db: Db, customerId: string): Promise<{ state: ProfileState; mergedInto: null } | { mergedInto: string } | undefined> => {
  const row = await db.selectFrom('profiles').select(['state', 'merged_into']).where('customer_id', '=', customerId).executeTakeFirst();
  if (!row) return undefined;
  return row.merged_into === null ? { state: row.state, mergedInto: null } : { mergedInto: row.merged_into };
};
