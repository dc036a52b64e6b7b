import { randomUUID } from 'node:crypto';
import type { InputEvent, Rule, ScoringModelInput, SegmentInput } from '@segflow/contracts';
import type { Topics } from '@segflow/service-kit';

const DAY = 86_400_000;

/** Segments of the kinds marketers write (DESIGN §5); `buyers` first: phase 2's events enter it. */
const SEGMENT_KINDS: ((round: number) => { name: string; rule: Rule })[] = [
  () => ({ name: 'Buyers', rule: { field: 'purchase.count', op: 'gte', value: 1 } }),
  (r) => ({ name: 'Frequent buyers 30d', rule: { field: 'purchase.count', op: 'gte', value: 3 + r, window: '30d' } }),
  (r) => ({ name: 'Category buyers 30d', rule: { field: 'purchase.count', op: 'gte', value: 1, window: '30d', where: { category: `cat-${r % 12}` } } }),
  (r) => ({ name: 'Big spenders', rule: { field: 'purchase.total', op: 'gte', value: 300 + 100 * r } }),
  (r) => ({ name: 'Spent this week', rule: { field: 'purchase.total', op: 'gte', value: 100 + 10 * r, window: '7d' } }),
  (r) => ({ name: 'Campaign openers', rule: { field: 'emailOpen.count', op: 'gte', value: 1, window: '14d', where: { campaignId: `k-${r % 20}` } } }),
  (r) => ({ name: 'Engaged readers', rule: { field: 'pageView.count', op: 'gte', value: 3 + r, window: '7d' } }),
  (r) => ({ name: 'Category browsers', rule: { field: 'pageView.count', op: 'gte', value: 2, window: '30d', where: { category: `cat-${(r + 5) % 12}` } } }),
  (r) => ({ name: 'Recently active', rule: { field: 'pageView.lastAt', op: 'withinLast', value: `${2 + r}d` } }),
  (r) => ({ name: 'Hot leads', rule: { field: 'leadScore', op: 'gte', value: 20 + 5 * r } }),
  () => ({ name: 'Retained', rule: { field: 'lifecycleStage', op: 'in', value: ['retention', 'loyalty'] } }),
  (r) => ({ name: 'Lapsing buyers', rule: { all: [{ field: 'purchase.count', op: 'gte', value: 1 }, { not: { field: 'pageView.lastAt', op: 'withinLast', value: `${5 + r}d` } }] } }),
  (r) => ({ name: 'German high value', rule: { all: [{ field: 'traits.country', op: 'eq', value: 'DE' }, { field: 'purchase.total', op: 'gte', value: 200 + 50 * r }] } }),
  (r) => ({ name: 'Browsers not opening', rule: { all: [{ field: 'pageView.count', op: 'gte', value: 3 + r }, { not: { field: 'emailOpen.lastAt', op: 'withinLast', value: '14d' } }] } }),
  (r) => ({ name: 'Engaged any way', rule: { any: [{ field: 'emailOpen.count', op: 'gte', value: 3 + r }, { field: 'pageView.count', op: 'gte', value: 8 + r }] } }),
  (r) => ({ name: 'High basket', rule: { field: 'purchase.avgOrderValue', op: 'gte', value: 120 + 10 * r } }),
  (r) => ({ name: 'Over thirty', rule: { field: 'age', op: 'gte', value: 30 + r } }),
  () => ({ name: 'Considering', rule: { field: 'lifecycleStage', op: 'eq', value: 'consideration' } }),
  (r) => ({ name: 'Gold tier', rule: { field: 'traits.custom.tier', op: 'eq', value: ['gold', 'silver', 'bronze'][r % 3]! } }),
  (r) => ({ name: 'Warm leads', rule: { all: [{ field: 'leadScore', op: 'between', value: [5 + r, 20 + r] }, { not: { field: 'purchase.count', op: 'gte', value: 1 } }] } }),
];

/** `count` segments cycling through the kinds above, with thresholds moving each round. */
export const benchSegments = (count: number): SegmentInput[] =>
  Array.from({ length: count }, (_, i) => {
    const round = Math.floor(i / SEGMENT_KINDS.length);
    const { name, rule } = SEGMENT_KINDS[i % SEGMENT_KINDS.length]!(round);
    const id = `bench-${i}`;
    return { id, name: round === 0 ? name : `${name} ${round + 1}`, description: '', rule, enabled: true };
  });

/** Points for views, opens and larger purchases, so that lead-score segments move. */
export const benchScoringModel: ScoringModelInput = {
  halfLifeDays: 30,
  rules: [
    { id: 'view', eventType: 'page_view', filters: {}, points: 1, dailyCap: 5 },
    { id: 'open', eventType: 'email_open', filters: {}, points: 3 },
    { id: 'purchase', eventType: 'purchase', filters: { minAmount: 50 }, points: 10 },
  ],
};

/** A small seeded PRNG (mulberry32): the same workload run after run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export interface ProducedEvent {
  /** A key of `Topics`: the source topic it goes to. */
  topic: 'purchase' | 'pageView' | 'emailOpen' | 'traits' | 'identify';
  key: string;
  value: string;
}

const TOPIC_OF = { purchase: 'purchase', page_view: 'pageView', email_open: 'emailOpen', traits: 'traits', identify: 'identify' } as const;
const toProduced = (event: InputEvent): ProducedEvent => ({ topic: TOPIC_OF[event.type], key: event.customerId, value: JSON.stringify(event) });

/**
 * `events` input events over `customers` customers (ids `${prefix}c-<n>`), occurring over the
 * last 20 days: 40 % page views, 25 % purchases, 20 % email opens, 15 % traits.
 */
export const benchEvents = (events: number, customers: number, prefix: string, now = Date.now()): ProducedEvent[] => {
  const next = random(42);
  return Array.from({ length: events }, (_, n) => {
    const customerId = `${prefix}c-${Math.floor(next() * customers)}`;
    const common = { eventId: `${prefix}e-${n}`, customerId, occurredAt: new Date(now - Math.floor(next() * 20 * DAY)).toISOString() };
    const pick = next();
    const category = `cat-${Math.floor(next() * 12)}`;
    if (pick < 0.4) return toProduced({ ...common, type: 'page_view', url: `/p/${Math.floor(next() * 500)}`, category });
    if (pick < 0.65) {
      const amount = Math.round(next() * 20_000) / 100;
      return toProduced({ ...common, type: 'purchase', orderId: `${prefix}o-${n}`, amount, currency: 'EUR', items: [{ sku: `s-${Math.floor(next() * 50)}`, category, quantity: 1, price: amount }] });
    }
    if (pick < 0.85) return toProduced({ ...common, type: 'email_open', campaignId: `k-${Math.floor(next() * 20)}` });
    const traits = {
      country: ['DE', 'FR', 'IT', 'ES'][Math.floor(next() * 4)]!,
      birthDate: `${1950 + Math.floor(next() * 55)}-0${1 + Math.floor(next() * 9)}-15`,
      custom: { tier: ['gold', 'silver', 'bronze'][Math.floor(next() * 3)]! },
    };
    return toProduced({ ...common, type: 'traits', traits });
  });
};

/** A first purchase of a customer never seen before: it enters `Buyers` (segment 0). */
export const enteringEvent = (prefix: string, n: number): ProducedEvent & { eventId: string } => {
  const eventId = `${prefix}lat-${n}-${randomUUID().slice(0, 8)}`;
  const customerId = `${prefix}new-${n}`;
  return { eventId, ...toProduced({ eventId, type: 'purchase', customerId, occurredAt: new Date().toISOString(), orderId: eventId, amount: 30, currency: 'EUR' }) };
};

/** Produces `events` to the source topics of `topics` in chunks, calling `onProgress` with the count sent. */
export const produceAll = async (
  publish: (topic: string, messages: { key: string; value: string }[]) => Promise<void>,
  topics: Topics,
  events: ProducedEvent[],
  onProgress: (sent: number) => void = () => undefined,
): Promise<void> => {
  const CHUNK = 2_000;
  for (let from = 0; from < events.length; from += CHUNK) {
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const e of events.slice(from, from + CHUNK)) {
      const list = byTopic.get(topics[e.topic]) ?? [];
      list.push({ key: e.key, value: e.value });
      byTopic.set(topics[e.topic], list);
    }
    await Promise.all([...byTopic].map(([topic, messages]) => publish(topic, messages)));
    onProgress(Math.min(from + CHUNK, events.length));
  }
};
