import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const sequenceFloor: Migration = {
  up: async (db: Kysely<unknown>) => {
    // The highest membership sequence of any erased customer (one row). A history that
    // starts after it starts above it, so a customer id seen again after an erasure
    // never reuses a CloudEvent id, and no personal data is kept to ensure it.
    await sql`CREATE TABLE membership_sequence_floor (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      floor bigint NOT NULL)`.execute(db);
    await sql`INSERT INTO membership_sequence_floor (floor) VALUES (0)`.execute(db);
  },
};
