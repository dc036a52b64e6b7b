import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MembershipReason } from '@segflow/contracts';
import { createDb } from '@segflow/db';
import { createLogger } from '@segflow/observability';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { migrateSegment } from '../src/app.js';
import { intervalsAt, intervalsPage, segmentSizeReader, sizeChanges } from '../src/data-access/history.repository.js';
import { compareAndSetMemberships, eraseCustomers, exitMembersPage, loadMemberships } from '../src/data-access/membership.repository.js';
import { insertSegment } from '../src/data-access/segment.repository.js';
import type { SegmentDb } from '../src/data-access/tables.js';
import type { MembershipDecision } from '../src/domain/decide.js';
import { startHistoryRetention } from '../src/entry-points/schedule/history-retention.job.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T10:15:00Z');
const explanation = [{ path: 'any[0]', field: 'traits.city', op: 'eq' as const, value: 'Zürich "HB" \\ {1,2}', actual: 'Zürich "HB" \\ {1,2}', was: null }];

describe('membership history in Postgres', () => {
  let database: TestDatabase;
  let db: Kysely<SegmentDb>;
  const segment = { id: 'buyers', name: 'Buyers', version: 1 };

  /** Decides `isMember` for each customer against their stored state, and writes it as one batch would. */
  const flip = async (customers: string[], isMember: boolean, at: number, reason: MembershipReason = 'event') =>
    db.transaction().execute(async (trx) => {
      const stored = await loadMemberships(trx, customers);
      const decisions: MembershipDecision[] = customers.map((customerId) => {
        const state = stored.get(customerId)?.get(segment.id) ?? { isMember: false, seq: 0n };
        return { customerId, segment, isMember, fromSeq: state.seq, seq: state.seq + 1n, explanation, group: null };
      });
      return compareAndSetMemberships(trx, decisions, new Date(at), reason);
    });
  const sizeAt = async (at: number) => (await sizeChanges(db, segment.id, new Date(at), new Date(at + HOUR), HOUR)).before;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    db = createDb<SegmentDb>(database.url);
    await migrateSegment(db);
    await insertSegment(db, { id: segment.id, name: segment.name, description: '', rule: { field: 'purchase.count', op: 'gte', value: 1 }, enabled: true });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('opens an interval on entry and closes it on exit, in the transaction of the compare-and-set, once', async () => {
    const [a, b] = [uniqueName('c'), uniqueName('c')];
    expect(await flip([a, b], true, T0)).toHaveLength(2);
    expect(await flip([a], false, T0 + 2 * HOUR, 'time')).toHaveLength(1);

    // a replayed decision (the stored sequence moved on) records nothing
    const replay = await db.transaction().execute((trx) =>
      compareAndSetMemberships(trx, [{ customerId: a, segment, isMember: false, fromSeq: 1n, seq: 2n, explanation, group: null }], new Date(T0 + 3 * HOUR), 'event'),
    );
    expect(replay).toEqual([]);

    const history = await intervalsPage(db, a, null, 10);
    expect(history).toEqual([
      expect.objectContaining({
        segmentId: 'buyers',
        name: 'Buyers',
        enteredAt: new Date(T0),
        enterReason: 'event',
        enterExplanation: explanation,
        exitedAt: new Date(T0 + 2 * HOUR),
        exitReason: 'time',
        exitExplanation: explanation,
      }),
    ]);
    expect((await intervalsAt(db, a, new Date(T0 + HOUR))).map((i) => i.segmentId)).toEqual(['buyers']);
    expect(await intervalsAt(db, a, new Date(T0 + 2 * HOUR))).toEqual([]);
    expect(await intervalsAt(db, a, new Date(T0 - 1))).toEqual([]);
    expect((await intervalsAt(db, b, new Date(T0 + 100 * DAY))).map((i) => i.exitedAt)).toEqual([null]);
  });

  it('records nothing when the transaction rolls back', async () => {
    const c = uniqueName('c');
    await expect(
      db.transaction().execute(async (trx) => {
        await compareAndSetMemberships(trx, [{ customerId: c, segment, isMember: true, fromSeq: 0n, seq: 1n, explanation, group: null }], new Date(T0), 'event');
        throw new Error('batch failed');
      }),
    ).rejects.toThrow('batch failed');
    expect(await intervalsPage(db, c, null, 10)).toEqual([]);
  });

  it('pages a customer history newest entry first', async () => {
    const c = uniqueName('c');
    for (let i = 0; i < 5; i++) {
      await flip([c], true, T0 + i * DAY);
      await flip([c], false, T0 + i * DAY + HOUR);
    }
    const first = await intervalsPage(db, c, null, 2);
    const last = first.at(-1)!;
    const second = await intervalsPage(db, c, { enteredAt: last.enteredAt, segmentId: last.segmentId, enterSeq: last.enterSeq }, 10);
    expect([...first, ...second].map((i) => i.enteredAt.getTime())).toEqual([4, 3, 2, 1, 0].map((i) => T0 + i * DAY));
  });

  it('counts entries and exits per hour, exits on deletion and erasure included, so the size is a running sum', async () => {
    const at = Date.parse('2026-05-01T00:00:00Z');
    const base = await sizeAt(at);
    const customers = Array.from({ length: 5 }, () => uniqueName('c'));
    await flip(customers, true, at + 10 * 60_000);
    await flip(customers.slice(0, 1), false, at + HOUR + 5 * 60_000);
    await db.transaction().execute((trx) => eraseCustomers(trx, customers.slice(1, 2), new Date(at + 2 * HOUR)));
    const changes = await sizeChanges(db, segment.id, new Date(at), new Date(at + 3 * HOUR), HOUR);
    expect(changes.before).toBe(base);
    expect([...changes.bins].sort(([x], [y]) => x - y)).toEqual([
      [0, { entered: 5, exited: 0 }],
      [1, { entered: 0, exited: 1 }],
      [2, { entered: 0, exited: 1 }],
    ]);
    expect(await intervalsPage(db, customers[1]!, null, 10)).toEqual([]);

    const members = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM memberships WHERE segment_id = 'buyers' AND is_member`.execute(db)).rows[0]!.n);
    expect((await segmentSizeReader(db)(new Date(at + 3 * HOUR))).get('buyers')).toBe(members);

    await db.transaction().execute((trx) => exitMembersPage(trx, segment, 1_000_000, new Date(at + 3 * HOUR), 'segment_deleted'));
    expect(await sizeAt(at + 4 * HOUR)).toBe(0);
    expect((await intervalsPage(db, customers[2]!, null, 1))[0]).toMatchObject({ exitReason: 'segment_deleted', exitedAt: new Date(at + 3 * HOUR) });
  });

  it('prunes intervals closed before the retention period and results of cohorts before it, and folds old counters into the size they add up to', async () => {
    const start = Date.parse('2026-07-01T00:00:00Z');
    const [old, recent, open] = [uniqueName('old'), uniqueName('recent'), uniqueName('open')];
    await flip([old, recent, open], true, start);
    await flip([old], false, start + DAY);
    await flip([recent], false, start + 20 * DAY);
    const late = uniqueName('late');
    await flip([late], true, start + 25 * DAY);
    const now = start + 30 * DAY;
    const sizes = await Promise.all([start + DAY + HOUR, start + 25 * DAY, now].map(sizeAt));

    const retention = startHistoryRetention({ db, retentionMs: 10 * DAY, intervalMs: 60_000, now: () => new Date(now), log: createLogger({ level: 'silent' }) });
    await retention.runOnce();
    await retention.stop();

    expect(await intervalsPage(db, old, null, 10)).toEqual([]);
    expect(await intervalsPage(db, recent, null, 10)).toHaveLength(1);
    expect(await intervalsPage(db, open, null, 10)).toHaveLength(1);
    // sizes within the retention period are unchanged; every counter row left is one per hour
    expect(await Promise.all([start + 25 * DAY, now].map(sizeAt))).toEqual(sizes.slice(1));
    const writers = await sql<{ n: string }>`SELECT count(*) AS n FROM segment_size_changes WHERE writer <> 0 AND bucket < ${new Date(now - HOUR)}`.execute(db);
    expect(Number(writers.rows[0]!.n)).toBe(0);
    const folded = await sql<{ n: string }>`SELECT count(*) AS n FROM segment_size_changes WHERE bucket > '-infinity' AND bucket < ${new Date(now - 10 * DAY)}`.execute(db);
    expect(Number(folded.rows[0]!.n)).toBe(0);
    // results: the cohorts that entered before the retention period are gone, the rest folded into writer 0
    const results = await sql<{ cohort: Date; writer: number; value: string }>`SELECT cohort, writer, value FROM segment_results WHERE metric = 'entered'`.execute(db);
    expect(results.rows.length).toBeGreaterThan(0);
    expect(results.rows.every((r) => r.writer === 0 && r.cohort.getTime() >= now - 10 * DAY)).toBe(true);
  });
});
