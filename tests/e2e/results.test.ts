import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '@segflow/client';
import type { MembershipEvent } from '@segflow/contracts';
import { assignGroup } from '@segflow/segment';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

type Schemas = components['schemas'];
const HOUR = 3_600_000;
const experiment: Schemas['Experiment'] = { name: 'browse-offer', groups: [{ id: 'control', weight: 1 }, { id: 'offer', weight: 1 }] };

const pageView = (customerId: string): Schemas['PageViewEvent'] => ({
  eventId: `evt-${randomUUID()}`,
  type: 'page_view',
  customerId,
  occurredAt: new Date().toISOString(),
  url: 'https://shop.example.com/shoes',
});
const emailOpen = (customerId: string, campaignId: string): Schemas['EmailOpenEvent'] => ({
  eventId: `evt-${randomUUID()}`,
  type: 'email_open',
  customerId,
  occurredAt: new Date().toISOString(),
  campaignId,
});

describe('segment results', () => {
  let system: TestSystem;
  let membership: Collector;
  const start = Date.now();

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    const segments: Schemas['NewSegment'][] = [
      { id: 'browsers-ab', name: 'Browsers A/B', rule: { field: 'pageView.count', op: 'gte', value: 1 }, experiment },
      // a purchase makes its customer exit: that purchase still counts for the stay it ends
      { id: 'browsed-not-bought', name: 'Browsed, not bought', rule: { all: [{ field: 'pageView.count', op: 'gte', value: 1 }, { not: { field: 'purchase.count', op: 'gte', value: 1 } }] } },
    ];
    for (const body of segments) expect((await system.api.POST('/v1/segments', { body })).response.status).toBe(201);
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  const results = (id: string, from: number, to: number) =>
    system.api.GET('/v1/segments/{id}/results', { params: { path: { id }, query: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } } });
  const send = (events: Schemas['EventsRequest']) => system.api.POST('/v1/events', { body: events });
  const entered = (segmentId: string, customers: string[]) =>
    eventually(
      async () => membership.json<MembershipEvent>().filter((e) => e.data.segmentId === segmentId && e.type === 'segflow.segment.entered' && customers.includes(e.subject)),
      (events) => events.length === customers.length,
      { what: `${customers.length} entries in ${segmentId}` },
    );

  it('counts, per A/B group and overall, what the members who entered did during their stay, as the events arrive', async () => {
    const customers = Array.from({ length: 8 }, () => uniqueName('res'));
    const [buyer1, buyer2, opener1, opener2] = customers;
    const early = uniqueName('early-buyer'); // bought before entering: that purchase is not a response
    await send(purchase(early, { amount: 500 }));
    await eventually(() => system.api.GET('/v1/customers/{id}', { params: { path: { id: early } } }), (r) => r.data?.purchase.count === 1, { what: 'the early purchase applied' });
    await eventually(() => system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: early } } }), (r) => r.response.status === 200, { what: 'the early buyer evaluated' });

    await send({ events: [...customers, early].map(pageView) });
    await entered('browsers-ab', [...customers, early]);
    await entered('browsed-not-bought', customers);

    // one request per customer: its events apply in order, each change after the entry
    await send({ events: [purchase(buyer1!, { amount: 10 }), purchase(buyer1!, { amount: 30 })] });
    await send(purchase(buyer2!, { amount: 20 }));
    await send({ events: [emailOpen(opener1!, 'spring'), emailOpen(opener1!, 'spring'), emailOpen(opener1!, 'summer')] });
    await send(emailOpen(opener2!, 'spring'));

    const everyone = [...customers, early];
    const groupOf = (c: string) => assignGroup(experiment, c);
    const inGroup = (g: string, list: string[]) => list.filter((c) => groupOf(c) === g);
    const answer = await eventually(
      () => results('browsers-ab', start - HOUR, Date.now() + HOUR),
      (r) => r.data?.overall.purchases === 3 && r.data.overall.emailOpens.reduce((n, o) => n + o.opens, 0) === 4,
      { what: 'the responses counted' },
    );
    expect(answer.data).toMatchObject({ segmentId: 'browsers-ab', experiment: 'browse-offer' });
    expect(answer.data!.from).toBe(new Date(Math.floor((start - HOUR) / HOUR) * HOUR).toISOString());
    const n = everyone.length;
    expect(answer.data!.overall).toEqual({
      entered: n,
      purchasers: 2,
      purchasedShare: 2 / n,
      purchases: 3,
      purchasesPerMember: 3 / n,
      revenue: 60,
      revenuePerMember: 60 / n,
      emailOpens: [
        { campaignId: 'spring', opens: 3, openers: 2, openedShare: 2 / n },
        { campaignId: 'summer', opens: 1, openers: 1, openedShare: 1 / n },
      ],
    });
    expect(answer.data!.groups.map((g) => g.group)).toEqual(['control', 'offer']);
    for (const group of answer.data!.groups) {
      const members = inGroup(group.group!, everyone);
      const buyers = inGroup(group.group!, [buyer1!, buyer2!]);
      expect(group.entered).toBe(members.length);
      expect(group.purchasers).toBe(buyers.length);
      expect(group.revenue).toBe(buyers.reduce((sum, b) => sum + (b === buyer1 ? 40 : 20), 0));
    }
    expect(answer.data!.groups.reduce((sum, g) => sum + g.entered, 0)).toBe(n);

    // the purchases that made their customers exit count for the stays they ended
    const exits = await eventually(
      async () => membership.json<MembershipEvent>().filter((e) => e.data.segmentId === 'browsed-not-bought' && e.type === 'segflow.segment.exited'),
      (events) => events.length === 2,
      { what: 'the two buyers left browsed-not-bought' },
    );
    expect(exits.map((e) => e.subject).sort()).toEqual([buyer1, buyer2].sort());
    const ended = await results('browsed-not-bought', start - HOUR, Date.now() + HOUR);
    expect(ended.data!.overall).toMatchObject({ entered: customers.length, purchasers: 2, purchases: 3, revenue: 60 });
    expect(ended.data!.groups).toEqual([{ group: null, ...ended.data!.overall }]);
  });

  it('counts the entries whose time falls in the period asked, and answers no shares for a period nobody entered in', async () => {
    const later = await results('browsers-ab', Date.now() + 2 * HOUR, Date.now() + 3 * HOUR);
    expect(later.response.status).toBe(200);
    expect(later.data!.overall).toEqual({ entered: 0, purchasers: 0, purchasedShare: null, purchases: 0, purchasesPerMember: null, revenue: 0, revenuePerMember: null, emailOpens: [] });
    expect(later.data!.groups.map((g) => [g.group, g.entered])).toEqual([['control', 0], ['offer', 0]]);

    const backwards = await results('browsers-ab', Date.now(), Date.now() - HOUR);
    expect(backwards.response.status).toBe(400);
    expect(backwards.error).toMatchObject({ code: 'validation_failed', errors: [{ path: 'querystring.to' }] });
    const unknown = await results('no-such-segment', Date.now() - HOUR, Date.now());
    expect(unknown.response.status).toBe(404);
  });
});
