import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { MembershipReason, ProfileState } from '@segflow/contracts';
import type { Evaluated, MembershipDecision, MembershipState } from '../domain/decide.js';
import type { SegmentDb } from './tables.js';

type Db = Kysely<SegmentDb> | Transaction<SegmentDb>;

/** The stored snapshots of `customerIds` and when they were last evaluated, row-locked for the batch. */
export const lockCustomerProfiles = async (trx: Db, customerIds: string[]): Promise<Map<string, Evaluated & { nextEvaluationAt: number | null }>> => {
  if (customerIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('customer_profiles')
    .select(['customer_id', 'profile', 'evaluated_at', 'next_evaluation_at'])
    .where('customer_id', 'in', customerIds)
    .orderBy('customer_id') // rows are locked in this order everywhere, so lockers cannot deadlock
    .forUpdate()
    .execute();
  return new Map(
    rows.map((r) => [r.customer_id, { profile: r.profile, at: r.evaluated_at.getTime(), nextEvaluationAt: r.next_evaluation_at?.getTime() ?? null }]),
  );
};

/** Stores evaluated snapshots with the instant each next needs evaluating (null: only on change). */
export const saveCustomerProfiles = async (
  trx: Db,
  profiles: { profile: ProfileState; nextEvaluationAt: number | null }[],
  evaluatedAt: Date,
): Promise<void> => {
  if (profiles.length === 0) return;
  await trx
    .insertInto('customer_profiles')
    .values(
      profiles.map(({ profile: p, nextEvaluationAt }) => ({
        customer_id: p.customerId,
        version: p.version,
        profile: JSON.stringify(p),
        evaluated_at: evaluatedAt,
        next_evaluation_at: nextEvaluationAt === null ? null : new Date(nextEvaluationAt),
      })),
    )
    .onConflict((oc) =>
      oc.column('customer_id').doUpdateSet((eb) => ({
        version: eb.ref('excluded.version'),
        profile: eb.ref('excluded.profile'),
        evaluated_at: eb.ref('excluded.evaluated_at'),
        next_evaluation_at: eb.ref('excluded.next_evaluation_at'),
      })),
    )
    .execute();
};

/** Brings a customer's next evaluation forward to `at` if that is sooner (a backfilled segment may flip first). */
export const scheduleNoLaterThan = async (trx: Db, entries: { customerId: string; at: number }[]): Promise<void> => {
  if (entries.length === 0) return;
  await sql`
    UPDATE customer_profiles c SET next_evaluation_at = LEAST(coalesce(c.next_evaluation_at, 'infinity'::timestamptz), d.at)
    FROM unnest(${entries.map((e) => e.customerId)}::text[], ${entries.map((e) => new Date(e.at).toISOString())}::timestamptz[]) AS d(customer_id, at)
    WHERE c.customer_id = d.customer_id`.execute(trx);
};

/**
 * Due customers (next evaluation at or before `now`), row-locked; rows another
 * transaction holds (a live batch, another scheduler) are skipped, never waited for.
 */
export const lockDueProfiles = async (trx: Db, now: Date, limit: number): Promise<(Evaluated & { dueAt: number })[]> =>
  (
    await trx
      .selectFrom('customer_profiles')
      .select(['profile', 'evaluated_at', 'next_evaluation_at'])
      .where('next_evaluation_at', '<=', now)
      .orderBy('next_evaluation_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute()
  ).map((r) => ({ profile: r.profile, at: r.evaluated_at.getTime(), dueAt: r.next_evaluation_at!.getTime() }));

/** Records a scheduled evaluation: when it happened and when the next one is due. */
export const markEvaluated = async (trx: Db, entries: { customerId: string; nextEvaluationAt: number | null }[], evaluatedAt: Date): Promise<void> => {
  if (entries.length === 0) return;
  await sql`
    UPDATE customer_profiles c SET evaluated_at = ${evaluatedAt}, next_evaluation_at = d.next_at
    FROM unnest(${entries.map((e) => e.customerId)}::text[],
                ${entries.map((e) => (e.nextEvaluationAt === null ? null : new Date(e.nextEvaluationAt).toISOString()))}::timestamptz[]) AS d(customer_id, next_at)
    WHERE c.customer_id = d.customer_id`.execute(trx);
};

/** customerId → segmentId → state, for the customers of a batch. */
export const loadMemberships = async (db: Db, customerIds: string[]): Promise<Map<string, Map<string, MembershipState>>> => {
  const result = new Map<string, Map<string, MembershipState>>();
  if (customerIds.length === 0) return result;
  const rows = await db
    .selectFrom('memberships')
    .select(['customer_id', 'segment_id', 'is_member', 'seq', 'group_id', 'entered_at', 'purchased', 'opened_campaigns'])
    .where('customer_id', 'in', customerIds)
    .execute();
  for (const row of rows) {
    const forCustomer = result.get(row.customer_id) ?? new Map<string, MembershipState>();
    forCustomer.set(row.segment_id, {
      isMember: row.is_member,
      seq: row.seq,
      group: row.group_id,
      enteredAt: row.entered_at?.getTime() ?? null,
      purchased: row.purchased,
      opened: row.opened_campaigns,
    });
    result.set(row.customer_id, forCustomer);
  }
  return result;
};

/** The UTC hour an instant falls in: the bucket of the size counters. */
export const hourOf = (at: Date): Date => new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);

/**
 * What the membership changes of a statement leave behind, as CTEs over `won`
 * (customer_id, segment_id, seq, is_member, group_id, explanation): an enter opens an interval, an
 * exit closes the open one, the segment's size counters of the hour count both, and its
 * results count the entry in its group and hour. They are
 * part of the statement that writes the memberships, so both commit or neither, at no
 * extra round trip. The counter rows are the writing connection's own (its backend pid),
 * so concurrent batches never wait on each other's counters.
 */
const historyOf = (changedAt: Date, reason: MembershipReason) => sql`
  opened AS (
    INSERT INTO membership_intervals (customer_id, segment_id, enter_seq, entered_at, enter_reason, enter_explanation, group_id)
    SELECT customer_id, segment_id, seq, ${changedAt}::timestamptz, ${reason}, explanation, group_id FROM won WHERE is_member),
  closed AS (
    UPDATE membership_intervals i SET exited_at = ${changedAt}::timestamptz, exit_reason = ${reason}, exit_explanation = w.explanation
    FROM won w
    WHERE NOT w.is_member AND i.customer_id = w.customer_id AND i.segment_id = w.segment_id AND i.exited_at IS NULL),
  counted AS (
    INSERT INTO segment_size_changes AS c (segment_id, bucket, writer, entered, exited)
    SELECT segment_id, ${hourOf(changedAt)}::timestamptz, pg_backend_pid(), count(*) FILTER (WHERE is_member), count(*) FILTER (WHERE NOT is_member)
    FROM won GROUP BY segment_id ORDER BY segment_id
    ON CONFLICT (segment_id, bucket, writer) DO UPDATE SET entered = c.entered + excluded.entered, exited = c.exited + excluded.exited),
  entries AS (
    INSERT INTO segment_results AS r (segment_id, cohort, group_id, metric, key, writer, value)
    SELECT segment_id, ${hourOf(changedAt)}::timestamptz, coalesce(group_id, ''), 'entered', '', pg_backend_pid(), count(*)
    FROM won WHERE is_member GROUP BY segment_id, group_id ORDER BY segment_id, group_id
    ON CONFLICT (segment_id, cohort, group_id, metric, key, writer) DO UPDATE SET value = r.value + excluded.value)`;

type Written = { customer_id: string; segment_id: string; seq: bigint; group_id: string | null };

/**
 * Writes decisions by compare-and-set: a stored row moves on only if it is still at
 * `fromSeq`; a new row (fromSeq 0) is created only if none exists, at the first sequence
 * above every erased history (so event ids never repeat). What won also opens or closes
 * its history interval and is counted per segment and hour, in the same statements.
 * Returns the decisions that won, with the sequence written; on a replay the rows have
 * already moved, so nothing is returned, recorded or emitted.
 */
export const compareAndSetMemberships = async (
  trx: Db,
  decisions: MembershipDecision[],
  changedAt: Date,
  reason: MembershipReason,
): Promise<MembershipDecision[]> => {
  const key = (customerId: string, segmentId: string) => `${customerId}\u0000${segmentId}`;
  const written = new Map<string, bigint>();
  const record = (rows: Written[]) => {
    for (const r of rows) written.set(key(r.customer_id, r.segment_id), r.seq);
  };
  const moves = decisions.filter((d) => d.fromSeq > 0n);
  const starts = decisions.filter((d) => d.fromSeq === 0n);
  const explanations = (list: MembershipDecision[]) => list.map((d) => JSON.stringify(d.explanation));
  if (moves.length > 0) {
    const result = await sql<Written>`
      WITH d AS (
        SELECT * FROM unnest(${moves.map((d) => d.customerId)}::text[], ${moves.map((d) => d.segment.id)}::text[],
                             ${moves.map((d) => d.isMember)}::boolean[], ${moves.map((d) => d.fromSeq.toString())}::bigint[],
                             ${explanations(moves)}::jsonb[], ${moves.map((d) => d.group)}::text[])
          AS d(customer_id, segment_id, is_member, from_seq, explanation, group_id)),
      won AS (
        UPDATE memberships m
        SET is_member = d.is_member, seq = m.seq + 1, changed_at = ${changedAt},
            entered_at = CASE WHEN d.is_member THEN ${changedAt}::timestamptz END,
            group_id = CASE WHEN d.is_member THEN d.group_id ELSE m.group_id END,
            purchased = CASE WHEN d.is_member THEN false ELSE m.purchased END,
            opened_campaigns = CASE WHEN d.is_member THEN '[]'::jsonb ELSE m.opened_campaigns END
        FROM d
        WHERE m.customer_id = d.customer_id AND m.segment_id = d.segment_id AND m.seq = d.from_seq
        RETURNING m.customer_id, m.segment_id, m.seq, m.is_member, m.group_id, d.explanation),
      ${historyOf(changedAt, reason)}
      SELECT customer_id, segment_id, seq FROM won`.execute(trx);
    record(result.rows);
  }
  if (starts.length > 0) {
    const result = await sql<Written>`
      WITH d AS (
        SELECT * FROM unnest(${starts.map((d) => d.customerId)}::text[], ${starts.map((d) => d.segment.id)}::text[],
                             ${starts.map((d) => d.isMember)}::boolean[], ${explanations(starts)}::jsonb[], ${starts.map((d) => d.group)}::text[])
          AS d(customer_id, segment_id, is_member, explanation, group_id)),
      written AS (
        INSERT INTO memberships (customer_id, segment_id, is_member, seq, entered_at, changed_at, group_id)
        SELECT d.customer_id, d.segment_id, d.is_member, (SELECT floor FROM membership_sequence_floor) + 1,
               CASE WHEN d.is_member THEN ${changedAt}::timestamptz END, ${changedAt}::timestamptz, d.group_id
        FROM d
        ON CONFLICT (customer_id, segment_id) DO NOTHING
        RETURNING customer_id, segment_id, seq, is_member, group_id),
      won AS (SELECT w.*, d.explanation FROM written w JOIN d USING (customer_id, segment_id)),
      ${historyOf(changedAt, reason)}
      SELECT customer_id, segment_id, seq FROM won`.execute(trx);
    record(result.rows);
  }
  return decisions.flatMap((d) => {
    const seq = written.get(key(d.customerId, d.segment.id));
    return seq === undefined ? [] : [{ ...d, seq }];
  });
};

/**
 * Exits up to `limit` members of a segment, in customer order (a segment deleted or
 * disabled, a page at a time), closing their intervals; returns the decisions made.
 */
export const exitMembersPage = async (
  trx: Db,
  segment: { id: string; name: string; version: number },
  limit: number,
  changedAt: Date,
  reason: MembershipReason,
): Promise<MembershipDecision[]> => {
  const rows = await sql<Written>`
    WITH won AS (
      UPDATE memberships m SET is_member = false, seq = m.seq + 1, entered_at = NULL, changed_at = ${changedAt}
      FROM (SELECT customer_id FROM memberships WHERE segment_id = ${segment.id} AND is_member
            ORDER BY customer_id LIMIT ${limit} FOR UPDATE) page
      WHERE m.segment_id = ${segment.id} AND m.customer_id = page.customer_id
      RETURNING m.customer_id, m.segment_id, m.seq, m.is_member, m.group_id, '[]'::jsonb AS explanation),
    ${historyOf(changedAt, reason)}
    SELECT customer_id, segment_id, seq, group_id FROM won`.execute(trx);
  return rows.rows.map((r) => ({ customerId: r.customer_id, segment, isMember: false, fromSeq: r.seq - 1n, seq: r.seq, explanation: [], group: r.group_id }));
};

/** A page of stored profiles after `cursor`, row-locked in customer order. */
export const lockProfilesPage = async (trx: Db, cursor: string | null, limit: number): Promise<ProfileState[]> =>
  (
    await trx
      .selectFrom('customer_profiles')
      .select(['customer_id', 'profile'])
      .$if(cursor !== null, (qb) => qb.where('customer_id', '>', cursor!))
      .orderBy('customer_id')
      .limit(limit)
      .forUpdate()
      .execute()
  ).map((r) => r.profile);

/**
 * A page of stored profiles after `cursor` (no locks: a read for previews), each with
 * whether it is a member of `segmentId` when one is given.
 */
export const profilesPage = async (db: Db, cursor: string | null, limit: number, segmentId: string | null) =>
  (
    await db
      .selectFrom('customer_profiles as p')
      .leftJoin('memberships as m', (join) => join.onRef('m.customer_id', '=', 'p.customer_id').on('m.segment_id', '=', segmentId ?? ''))
      .select(['p.profile', 'm.is_member'])
      .$if(cursor !== null, (qb) => qb.where('p.customer_id', '>', cursor!))
      .orderBy('p.customer_id')
      .limit(limit)
      .execute()
  ).map((r) => ({ profile: r.profile, isMember: r.is_member === true }));

/**
 * One segment's membership state for the customers of a backfill page: those after `after`
 * (null: from the first) up to `through`, in key order. Read as a range of the primary key:
 * as a list of the page's ids, the planner chose to scan the whole table for each page.
 */
export const loadSegmentMembershipsInRange = async (
  db: Db,
  segmentId: string,
  after: string | null,
  through: string,
): Promise<Map<string, MembershipState>> => {
  const rows = await db
    .selectFrom('memberships')
    .select(['customer_id', 'is_member', 'seq', 'group_id'])
    .$if(after !== null, (qb) => qb.where('customer_id', '>', after!))
    .where('customer_id', '<=', through)
    .where('segment_id', '=', segmentId)
    .execute();
  return new Map(rows.map((r) => [r.customer_id, { isMember: r.is_member, seq: r.seq, group: r.group_id }]));
};

export const countProfiles = async (db: Db): Promise<number> =>
  Number((await db.selectFrom('customer_profiles').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

export const countMembers = async (db: Db, segmentId: string): Promise<number> =>
  Number(
    (
      await db
        .selectFrom('memberships')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('segment_id', '=', segmentId)
        .where('is_member', '=', true)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Whether the segment service holds a profile of the customer (it was evaluated and not erased). */
export const customerKnown = async (db: Db, customerId: string): Promise<boolean> =>
  (await db.selectFrom('customer_profiles').select('customer_id').where('customer_id', '=', customerId).executeTakeFirst()) !== undefined;

export interface StoredCustomerSegments {
  /** The latest decision reflected: the last evaluation or membership change. */
  evaluatedAt: Date;
  memberships: { segmentId: string; name: string; isMember: boolean; seq: bigint; enteredAt: Date | null; group: string | null }[];
}

/** A customer's memberships from Postgres (the source of truth); null for an unknown customer. */
export const readCustomerSegments = async (db: Db, customerId: string): Promise<StoredCustomerSegments | null> => {
  const profile = await db.selectFrom('customer_profiles').select('evaluated_at').where('customer_id', '=', customerId).executeTakeFirst();
  if (!profile) return null;
  const rows = await db
    .selectFrom('memberships as m')
    .leftJoin('segments as s', 's.id', 'm.segment_id')
    .select(['m.segment_id', 's.name', 'm.is_member', 'm.seq', 'm.entered_at', 'm.changed_at', 'm.group_id'])
    .where('m.customer_id', '=', customerId)
    .orderBy('m.segment_id')
    .execute();
  const lastChange = rows.reduce((latest, r) => (r.changed_at > latest ? r.changed_at : latest), profile.evaluated_at);
  return {
    evaluatedAt: lastChange,
    memberships: rows.map((r) => ({ segmentId: r.segment_id, name: r.name ?? r.segment_id, isMember: r.is_member, seq: r.seq, enteredAt: r.entered_at, group: r.group_id })),
  };
};

/** One page of a segment's members (of one A/B group when `group` is given), ordered by customer id, after `cursor`. */
export const listMembers = async (db: Db, segmentId: string, cursor: string | null, limit: number, group: string | null = null) =>
  db
    .selectFrom('memberships')
    .select(['customer_id', 'entered_at', 'group_id'])
    .where('segment_id', '=', segmentId)
    .where('is_member', '=', true)
    .$if(group !== null, (qb) => qb.where('group_id', '=', group))
    .$if(cursor !== null, (qb) => qb.where('customer_id', '>', cursor!))
    .orderBy('customer_id')
    .limit(limit)
    .execute();

/**
 * Forgets customers: their memberships exit (returned as decisions, so the exits are
 * announced), the sequence floor rises above their histories, then their rows are deleted.
 * An erasure (GDPR, reason `customer_erased`) deletes their history intervals too; an id
 * merged into another customer (reason `merged`) keeps its intervals, closed by the merge,
 * until the retention period or the erasure of the customer it merged into. A customer id
 * seen again later starts a new history above the floor.
 */
export const eraseCustomers = async (
  trx: Db,
  customerIds: string[],
  changedAt: Date,
  reason: Extract<MembershipReason, 'customer_erased' | 'merged'> = 'customer_erased',
): Promise<MembershipDecision[]> => {
  if (customerIds.length === 0) return [];
  // The exits are counted in the segments' sizes and close the open intervals.
  const exits = await sql<Written & { name: string; version: number }>`
    WITH won AS (
      UPDATE memberships m SET is_member = false, seq = m.seq + 1, entered_at = NULL, changed_at = ${changedAt}
      FROM segments s
      WHERE s.id = m.segment_id AND m.customer_id = ANY(${customerIds}::text[]) AND m.is_member
      RETURNING m.customer_id, m.segment_id, m.seq, m.is_member, m.group_id, '[]'::jsonb AS explanation, s.name, s.version),
    ${historyOf(changedAt, reason)}
    SELECT customer_id, segment_id, seq, group_id, name, version FROM won`.execute(trx);
  await sql`
    UPDATE membership_sequence_floor
    SET floor = GREATEST(floor, (SELECT coalesce(max(seq), 0) FROM memberships WHERE customer_id = ANY(${customerIds}::text[])))`.execute(trx);
  await trx.deleteFrom('memberships').where('customer_id', 'in', customerIds).execute();
  if (reason === 'customer_erased') await trx.deleteFrom('membership_intervals').where('customer_id', 'in', customerIds).execute();
  await trx.deleteFrom('customer_profiles').where('customer_id', 'in', customerIds).execute();
  return exits.rows.map((r) => ({
    customerId: r.customer_id,
    segment: { id: r.segment_id, name: r.name, version: r.version },
    isMember: false,
    fromSeq: r.seq - 1n,
    seq: r.seq,
    explanation: [],
    group: r.group_id,
  }));
};

/** How many customers are due for a time-driven re-evaluation at `now` (the scheduler's backlog). */
export const countDue = async (db: Db, now: Date): Promise<number> =>
  Number(
    (
      await db
        .selectFrom('customer_profiles')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('next_evaluation_at', '<=', now)
        .executeTakeFirstOrThrow()
    ).n,
  );
