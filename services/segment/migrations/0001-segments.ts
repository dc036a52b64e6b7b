import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const segments: Migration = {
  up: async (db: Kysely<unknown>) => {
    await db.schema
      .createTable('segments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('rule', 'jsonb', (c) => c.notNull())
      .addColumn('enabled', 'boolean', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    // The latest profile snapshot seen per customer: what rules are evaluated against.
    await db.schema
      .createTable('customer_profiles')
      .addColumn('customer_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('profile', 'jsonb', (c) => c.notNull())
      .addColumn('evaluated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    // One row per (customer, segment) ever evaluated in; seq counts its changes and
    // survives exits and segment deletion, so CloudEvent ids never repeat.
    await db.schema
      .createTable('memberships')
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('is_member', 'boolean', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('entered_at', 'timestamptz')
      .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('memberships_pk', ['customer_id', 'segment_id'])
      .execute();
    await sql`CREATE INDEX memberships_members ON memberships (segment_id, customer_id) WHERE is_member`.execute(db);
  },
};
