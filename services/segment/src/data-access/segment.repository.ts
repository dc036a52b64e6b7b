import { sql } from 'kysely';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Experiment, Rule, Segment } from '@segflow/contracts';
import type { SegmentDb } from './tables.js';

type Db = Kysely<SegmentDb> | Transaction<SegmentDb>;
type SegmentRow = Selectable<SegmentDb['segments']>;

export interface SegmentDefinition {
  id: string;
  name: string;
  description: string;
  rule: Rule;
  enabled: boolean;
  /** Absent or null: no experiment. */
  experiment?: Experiment | null;
}

const toSegment = (row: SegmentRow, stats: { size: number; lastChangeAt: Date | null }): Segment => ({
  id: row.id,
  name: row.name,
  description: row.description,
  rule: row.rule,
  enabled: row.enabled,
  experiment: row.experiment,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  size: stats.size,
  lastChangeAt: stats.lastChangeAt?.toISOString() ?? null,
});

const statsOf = async (db: Db, ids: string[]) => {
  if (ids.length === 0) return new Map<string, { size: number; lastChangeAt: Date | null }>();
  const rows = await db
    .selectFrom('memberships')
    .select(['segment_id', sql<string>`count(*) FILTER (WHERE is_member)`.as('size'), sql<Date | null>`max(changed_at)`.as('last_change_at')])
    .where('segment_id', 'in', ids)
    .groupBy('segment_id')
    .execute();
  return new Map(rows.map((r) => [r.segment_id, { size: Number(r.size), lastChangeAt: r.last_change_at }]));
};

const withStats = async (db: Db, rows: SegmentRow[]): Promise<Segment[]> => {
  const stats = await statsOf(db, rows.map((r) => r.id));
  return rows.map((row) => toSegment(row, stats.get(row.id) ?? { size: 0, lastChangeAt: null }));
};

/** Inserts a new segment at version 1; returns null when the id is taken (a segment being deleted holds its id). */
export const insertSegment = async (db: Db, definition: SegmentDefinition): Promise<Segment | null> => {
  const row = await db
    .insertInto('segments')
    .values({ ...definition, rule: JSON.stringify(definition.rule), experiment: definition.experiment ? JSON.stringify(definition.experiment) : null, version: 1 })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toSegment(row, { size: 0, lastChangeAt: null }) : null;
};

/** Replaces a definition and bumps its version; null when there is no such segment. */
export const updateSegment = async (db: Db, definition: SegmentDefinition): Promise<Segment | null> => {
  const row = await db
    .updateTable('segments')
    .set((eb) => ({
      name: definition.name,
      description: definition.description,
      rule: JSON.stringify(definition.rule),
      enabled: definition.enabled,
      experiment: definition.experiment ? JSON.stringify(definition.experiment) : null,
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', definition.id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? (await withStats(db, [row]))[0]! : null;
};

export const findSegment = async (db: Db, id: string): Promise<Segment | null> => {
  const row = await db.selectFrom('segments').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row ? (await withStats(db, [row]))[0]! : null;
};

/** A live segment's definition (without counting its members); null when there is none. */
export const findDefinition = async (db: Db, id: string) =>
  (await db.selectFrom('segments').select(['id', 'name', 'version', 'experiment']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()) ?? null;

/** Whether a live segment has this id (without counting its members). */
export const segmentExists = async (db: Db, id: string): Promise<boolean> => (await findDefinition(db, id)) !== null;

/** Up to `limit` segments by id, from the first id after `after` (null: from the start). */
export const listSegments = async (db: Db, after: string | null, limit: number): Promise<Segment[]> =>
  withStats(
    db,
    await db
      .selectFrom('segments')
      .selectAll()
      .where('deleted_at', 'is', null)
      .$if(after !== null, (qb) => qb.where('id', '>', after!))
      .orderBy('id')
      .limit(limit)
      .execute(),
  );

/**
 * Locks a live segment's row for the rest of the transaction, as the UPDATE that follows
 * would (FOR NO KEY UPDATE); its version, or null when there is no such segment.
 */
export const lockSegmentVersion = async (trx: Transaction<SegmentDb>, id: string): Promise<number | null> =>
  (await trx.selectFrom('segments').select('version').where('id', '=', id).where('deleted_at', 'is', null).forNoKeyUpdate().executeTakeFirst())?.version ?? null;

/**
 * The enabled segments, share-locked for the rest of the transaction so that a
 * definition cannot change or disappear while a batch evaluates against it.
 */
export const lockEnabledSegments = async (trx: Transaction<SegmentDb>) =>
  trx
    .selectFrom('segments')
    .select(['id', 'name', 'version', 'rule', 'experiment'])
    .where('enabled', '=', true)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .forShare()
    .execute();

/** Marks a segment deleted: live traffic stops evaluating it; its backfill exits the members. */
export const markSegmentDeleted = async (trx: Transaction<SegmentDb>, id: string, now: Date) =>
  (await trx
    .updateTable('segments')
    .set({ deleted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning(['id', 'name', 'version'])
    .executeTakeFirst()) ?? null;
