import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent, ProfileState, ProfileUpdated } from '@segflow/contracts';
import { emptyProfile } from '@segflow/profile-model';
import { eventually } from '../support/eventually.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

const PROFILES = 10_000;

const snapshot = (customerId: string, version: number, purchases: number): ProfileState => {
  const base = emptyProfile(customerId, Date.now());
  return { ...base, version, purchase: { ...base.purchase, count: purchases, total: purchases * 10, totalUnits: purchases * 100_000 } };
};
const change = (customerId: string, version: number, purchases: number): ProfileUpdated => ({
  kind: 'updated',
  customerId,
  version,
  profile: snapshot(customerId, version, purchases),
  causationEventId: `evt-${customerId}-${version}`,
  eventTime: new Date().toISOString(),
});
const id = (i: number) => `c-${String(i).padStart(5, '0')}`;

describe('segment backfill', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem({ services: ['segment'], backfillPageSize: 100 });
    membership = await collect(system.bus, system.topics.membership);
    // 10k stored profiles, a third of them with 3+ purchases
    for (let from = 0; from < PROFILES; from += 2000) {
      const changes = Array.from({ length: 2000 }, (_, k) => change(id(from + k), 1, (from + k) % 3 === 0 ? 3 : 1));
      await system.bus.publish(system.topics.profileChanges, changes.map((c) => ({ key: c.customerId, value: JSON.stringify(c) })));
    }
    await eventually(
      async () => Number((await system.segmentDb.selectFrom('customer_profiles').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
      (n) => n === PROFILES,
      { what: '10k profiles stored', timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  it('re-evaluates every profile, alongside live changes, losing and duplicating nothing', async () => {
    const created = await system.api.POST('/v1/segments', { body: { id: 'loyal', name: 'Loyal', rule: { field: 'purchase.count', op: 'gte', value: 3 } } });
    expect(created.response.status).toBe(201);

    // Live traffic while the backfill pages through: flip 600 customers spread over the key space.
    const live = Array.from({ length: 600 }, (_, k) => id(k * 16 + 1));
    await system.bus.publish(system.topics.profileChanges, live.map((c) => ({ key: c, value: JSON.stringify(change(c, 2, 5)) })));
    const backfill = () => system.api.GET('/v1/segments/{id}/backfill', { params: { path: { id: 'loyal' } } });
    const midway = await backfill();
    expect(midway.data).toMatchObject({ segmentId: 'loyal', segmentVersion: 1, reason: 'backfill', total: PROFILES });

    const done = await eventually(backfill, (r) => r.data?.state === 'done', {
      what: 'backfill done',
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    expect(done.data?.processed).toBe(PROFILES);
    expect(done.data?.ratePerSecond).toBeGreaterThan(0);

    // Direct evaluation of the final profiles.
    const liveSet = new Set(live);
    const expected = new Set(Array.from({ length: PROFILES }, (_, i) => id(i)).filter((c, i) => liveSet.has(c) || i % 3 === 0));
    const members = await system.segmentDb.selectFrom('memberships').select('customer_id').where('segment_id', '=', 'loyal').where('is_member', '=', true).execute();
    expect(members.length).toBe(expected.size);
    expect(members.every((m) => expected.has(m.customer_id))).toBe(true);
    expect((await system.api.GET('/v1/segments/{id}', { params: { path: { id: 'loyal' } } })).data?.size).toBe(expected.size);

    // Every member entered exactly once, announced once (by the backfill or by its live change).
    const events = await eventually(
      async () => membership.json<MembershipEvent>().filter((e) => e.data.segmentId === 'loyal'),
      (list) => list.length >= expected.size,
      { what: 'all entries published', timeoutMs: 60_000 },
    );
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.every((e) => e.type === 'segflow.segment.entered')).toBe(true);
    expect(new Set(events.map((e) => e.subject))).toEqual(expected);
    const reasons = new Set(events.map((e) => e.data.reason));
    expect([...reasons].every((r) => r === 'backfill' || r === 'event')).toBe(true);
  });
});
