import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '@segflow/client';
import type { MembershipEvent } from '@segflow/contracts';
import { assignGroup } from '@segflow/segment';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase, traitsEvent } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

type Experiment = components['schemas']['Experiment'];
const offers: Experiment = { name: 'first-order-offer', groups: [{ id: 'control', weight: 1 }, { id: 'offer', weight: 1 }] };
const tiers: Experiment = { name: 'gold-tier-upsell', groups: [{ id: 'email', weight: 3 }, { id: 'holdout', weight: 1 }] };

describe('A/B groups within a segment', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    const bodies = [
      { id: 'buyers-ab', name: 'Buyers A/B', rule: { field: 'purchase.count', op: 'gte', value: 1 }, experiment: offers },
      { id: 'gold-ab', name: 'Gold A/B', rule: { field: 'traits.custom.tier', op: 'eq', value: 'gold' }, experiment: tiers },
    ] as const;
    const created = await Promise.all(bodies.map((body) => system.api.POST('/v1/segments', { body })));
    expect(created.map((c) => [c.response.status, c.data?.experiment])).toEqual(bodies.map((b) => [201, b.experiment]));
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  const entriesOf = (segmentId: string, customers: string[]) =>
    membership.json<MembershipEvent>().filter((e) => e.data.segmentId === segmentId && customers.includes(e.subject) && e.type === 'segflow.segment.entered');

  it('gives each member the group of the stable hash, in the enter event, the members listing and the customer segments', async () => {
    const customers = Array.from({ length: 30 }, () => uniqueName('ab'));
    await system.api.POST('/v1/events', { body: { events: customers.map((c) => purchase(c)) } });
    const entries = await eventually(async () => entriesOf('buyers-ab', customers), (e) => e.length === customers.length, { what: 'every customer entered' });
    const groupOf = new Map(entries.map((e) => [e.subject, e.data.group]));
    for (const c of customers) expect(groupOf.get(c)).toBe(assignGroup(offers, c));
    expect(new Set(groupOf.values())).toEqual(new Set(['control', 'offer']));

    const listed = new Map<string, string | null>();
    for (let cursor: string | undefined, page = 0; page < 10; page++) {
      const answer = await system.api.GET('/v1/segments/{id}/members', { params: { path: { id: 'buyers-ab' }, query: { limit: 7, ...(cursor ? { cursor } : {}) } } });
      for (const m of answer.data!.members) listed.set(m.customerId, m.group);
      if (answer.data!.nextCursor === null) break;
      cursor = answer.data!.nextCursor;
    }
    for (const c of customers) expect(listed.get(c)).toBe(groupOf.get(c));

    const control = await system.api.GET('/v1/segments/{id}/members', { params: { path: { id: 'buyers-ab' }, query: { group: 'control', limit: 1000 } } });
    expect(control.data!.members.map((m) => m.customerId).sort()).toEqual(customers.filter((c) => groupOf.get(c) === 'control').sort());
    expect(control.data!.members.every((m) => m.group === 'control')).toBe(true);

    // from Postgres on the first read, from Redis on the second: the same group
    for (let read = 0; read < 2; read++) {
      const answer = await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: customers[0]! } } });
      expect(answer.data!.segments).toEqual([expect.objectContaining({ segmentId: 'buyers-ab', group: groupOf.get(customers[0]!) })]);
    }
  });

  it('keeps the group across exits and re-entries, and announces it on exit too', async () => {
    const customers = Array.from({ length: 6 }, () => uniqueName('tier'));
    const start = Date.now() - 10_000;
    for (const [step, value] of ['gold', 'silver', 'gold'].entries()) {
      await system.api.POST('/v1/events', { body: { events: customers.map((c) => traitsEvent(c, { custom: { tier: value } }, start + step * 1000)) } });
      await eventually(
        async () => membership.json<MembershipEvent>().filter((e) => e.data.segmentId === 'gold-ab' && customers.includes(e.subject)),
        (events) => events.length === customers.length * (step + 1),
        { what: `step ${step} announced` },
      );
    }
    for (const c of customers) {
      const events = membership.json<MembershipEvent>().filter((e) => e.data.segmentId === 'gold-ab' && e.subject === c);
      expect(events.map((e) => [e.type, e.data.group])).toEqual(
        ['entered', 'exited', 'entered'].map((type) => [`segflow.segment.${type}`, assignGroup(tiers, c)]),
      );
      const history = await system.api.GET('/v1/customers/{id}/segment-history', { params: { path: { id: c } } });
      expect(history.data!.intervals.map((i) => i.group)).toEqual([assignGroup(tiers, c), assignGroup(tiers, c)]);
    }
  });

  it('refuses an experiment with a group id used twice or a weight that is not positive, naming the field', async () => {
    const refused = async (experiment: Experiment) => {
      const answer = await system.api.POST('/v1/segments', { body: { name: uniqueName('bad-ab'), rule: { field: 'purchase.count', op: 'gte', value: 1 }, experiment } });
      expect(answer.response.status).toBe(400);
      return answer.error!.errors!.map((e) => e.path);
    };
    expect(await refused({ name: 'x', groups: [{ id: 'a', weight: 1 }, { id: 'a', weight: 1 }] })).toEqual(['body.experiment.groups[1].id']);
    expect(await refused({ name: 'x', groups: [{ id: 'a', weight: 0 }] })).toEqual(['body.experiment.groups[0].weight']);
  });
});
