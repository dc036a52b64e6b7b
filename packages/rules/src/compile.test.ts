import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, CustomerEvent, ProfileState, Rule, ScoringModel } from '@segflow/contracts';
import { LifecycleThresholds, Rule as RuleSchema } from '@segflow/contracts';
import {
  applyEvent,
  currencyConverter,
  DEFAULT_PROFILE_LIMITS,
  emptyProfile,
  leadScore,
  lifecycleStage,
  windowCount,
  windowSum,
} from '@segflow/profile-model';
import { compileRule, explainChange, nextFlip } from './compile.js';

const DAY = 24 * 3_600_000;
const BASE = Date.parse('2026-11-23T00:00:00.000Z');

const SCORING: ScoringModel = {
  version: 1,
  halfLifeDays: 30,
  rules: [
    { id: 'buy', eventType: 'purchase', filters: {}, points: 10 },
    { id: 'open', eventType: 'email_open', filters: {}, points: 3 },
  ],
  updatedAt: new Date(BASE).toISOString(),
};

/** A profile built the way the profile service builds it: events applied by the model, at BASE. */
const profile = (p: {
  purchases?: { at: number; amount: number; category: string }[];
  opens?: { at: number; campaignId: string }[];
  country?: string;
  interests?: string[];
  birthDate?: string;
}): ProfileState => {
  let n = 0;
  const common = (at: number) => ({ eventId: `e-${n++}`, customerId: 'c-1', occurredAt: new Date(at).toISOString(), receivedAt: new Date(BASE).toISOString() });
  const events: CustomerEvent[] = [
    ...(p.purchases ?? []).map((x) => ({ ...common(x.at), type: 'purchase' as const, orderId: `o-${n}`, amount: x.amount, currency: 'EUR', items: [{ sku: 's', category: x.category, quantity: 1, price: x.amount }] })),
    ...(p.opens ?? []).map((x) => ({ ...common(x.at), type: 'email_open' as const, campaignId: x.campaignId })),
    ...(p.country || p.interests || p.birthDate
      ? [{ ...common(BASE - DAY), type: 'traits' as const, traits: { ...(p.country ? { country: p.country } : {}), ...(p.interests ? { interests: p.interests } : {}), ...(p.birthDate ? { birthDate: p.birthDate } : {}) } }]
      : []),
  ];
  return events.reduce((state, event) => {
    const result = applyEvent(state, event, { now: BASE, toBase: currencyConverter('EUR', {}), scoring: SCORING, limits: DEFAULT_PROFILE_LIMITS });
    if (!result.ok) throw new Error(result.reason);
    return result.state;
  }, emptyProfile('c-1', BASE));
};

const days = (d: string) => Number(d.slice(0, -1)) * (d.endsWith('h') ? 3_600_000 : DAY);

// A deliberately plain interpreter, written from the rule grammar and README semantics,
// to check the compiler against.
// Windowed figures and the decayed score come from the profile model, which has its own
// property tests against naive computations; what is checked here is the rule logic.
const read = (c: Condition, p: ProfileState, now: number): unknown => {
  const window = c.window ? { ms: days(c.window) } : null;
  switch (c.field) {
    case 'purchase.count': return window ? windowCount(p, 'purchase', window, now, c.where) : c.where ? (p.purchase.categories[c.where.category!]?.count ?? 0) : p.purchase.count;
    case 'purchase.total': return window ? windowSum(p, 'purchase', window, now, c.where) : p.purchase.total;
    case 'emailOpen.count': return window ? windowCount(p, 'emailOpen', window, now, c.where) : p.emailOpen.count;
    case 'leadScore': return leadScore(p, now);
    case 'lifecycleStage': return lifecycleStage(p, now);
    case 'purchase.lastAt': return p.purchase.lastAt;
    case 'emailOpen.lastAt': return p.emailOpen.lastAt;
    case 'traits.country': return p.traits.country ?? null;
    case 'traits.interests': return p.traits.interests ?? null;
    case 'age': {
      if (!p.traits.birthDate) return null;
      const b = new Date(`${p.traits.birthDate}T00:00:00Z`);
      const n = new Date(now);
      let years = n.getUTCFullYear() - b.getUTCFullYear();
      if (n.getUTCMonth() < b.getUTCMonth() || (n.getUTCMonth() === b.getUTCMonth() && n.getUTCDate() < b.getUTCDate())) years -= 1;
      return years;
    }
  }
  throw new Error(c.field);
};
const interpret = (rule: Rule, p: ProfileState, now: number): boolean => {
  if ('all' in rule) return rule.all.every((r) => interpret(r, p, now));
  if ('any' in rule) return rule.any.some((r) => interpret(r, p, now));
  if ('not' in rule) return !interpret(rule.not, p, now);
  const a = read(rule, p, now);
  const v = rule.value;
  const known = a !== null && a !== undefined;
  switch (rule.op) {
    case 'eq': return known && a === v;
    case 'neq': return !(known && a === v);
    case 'gt': return known && typeof a === typeof v && (a as number) > (v as number);
    case 'gte': return known && typeof a === typeof v && (a as number) >= (v as number);
    case 'lt': return known && typeof a === typeof v && (a as number) < (v as number);
    case 'lte': return known && typeof a === typeof v && (a as number) <= (v as number);
    case 'between': { const [lo, hi] = v as [number, number]; return known && typeof a === 'number' && lo <= a && a <= hi; }
    case 'in': return known && (v as unknown[]).includes(a);
    case 'notIn': return !(known && (v as unknown[]).includes(a));
    case 'contains': return Array.isArray(a) && a.includes(v);
    case 'exists': return known;
    case 'notExists': return !known;
    case 'withinLast': return known && Date.parse(a as string) > now - days(v as string);
    case 'notWithinLast': return !known || Date.parse(a as string) <= now - days(v as string);
    case 'before': return known && Date.parse(a as string) < Date.parse(v as string);
    case 'after': return known && Date.parse(a as string) > Date.parse(v as string);
  }
};

const small = fc.integer({ min: 0, max: 6 });
const duration = fc.oneof(fc.integer({ min: 1, max: 60 }).map((d) => `${d}d`), fc.integer({ min: 1, max: 72 }).map((h) => `${h}h`));
const instant = fc.integer({ min: -90, max: 30 }).map((d) => new Date(BASE + d * DAY).toISOString());
const numberField = fc.constantFrom('purchase.count', 'purchase.total', 'emailOpen.count', 'age');
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ field: numberField, op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte' as const), value: small.map((n) => (n === 6 ? 30 : n)) }),
  fc.record({ field: numberField, op: fc.constant('between' as const), value: fc.tuple(small, small).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]) }),
  fc.record({ field: numberField, op: fc.constantFrom('in', 'notIn' as const), value: fc.uniqueArray(small, { minLength: 1, maxLength: 3 }) }),
  fc.record({ field: fc.constantFrom('purchase.lastAt', 'emailOpen.lastAt', 'age'), op: fc.constantFrom('exists', 'notExists' as const) }),
  fc.record({ field: fc.constantFrom('purchase.lastAt', 'emailOpen.lastAt'), op: fc.constantFrom('withinLast', 'notWithinLast' as const), value: duration }),
  fc.record({ field: fc.constantFrom('purchase.lastAt', 'emailOpen.lastAt'), op: fc.constantFrom('before', 'after' as const), value: instant }),
  fc.record({ field: fc.constant('traits.country'), op: fc.constantFrom('eq', 'neq' as const), value: fc.constantFrom('DE', 'FR') }),
  fc.record({ field: fc.constant('traits.country'), op: fc.constantFrom('in', 'notIn' as const), value: fc.constant(['DE', 'IT']) }),
  fc.record({ field: fc.constant('traits.interests'), op: fc.constant('contains' as const), value: fc.constantFrom('running', 'books') }),
  fc.record({ field: fc.constantFrom('purchase.count', 'emailOpen.count'), op: fc.constantFrom('gte', 'lt' as const), value: fc.integer({ min: 1, max: 3 }), window: duration }),
  fc.record({ field: fc.constant('purchase.count'), op: fc.constant('gte' as const), value: fc.integer({ min: 1, max: 2 }), window: duration, where: fc.constant({ category: 'shoes' }) }),
  fc.record({ field: fc.constant('purchase.total'), op: fc.constantFrom('gt', 'lte' as const), value: fc.integer({ min: 10, max: 200 }), window: duration }),
  fc.record({ field: fc.constant('leadScore'), op: fc.constantFrom('gte', 'lt', 'gt' as const), value: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ field: fc.constant('lifecycleStage'), op: fc.constantFrom('eq', 'neq' as const), value: fc.constantFrom('awareness', 'consideration', 'decision', 'retention', 'loyalty') }),
) as fc.Arbitrary<Condition>;
const { rule } = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ),
}));
const past = fc.integer({ min: 1, max: 60 * 24 * 60 }).map((minutes) => BASE - minutes * 60_000);
const profiles = fc
  .record({
    purchases: fc.array(fc.record({ at: past, amount: fc.integer({ min: 1, max: 90 }), category: fc.constantFrom('shoes', 'books') }), { maxLength: 4 }),
    opens: fc.array(fc.record({ at: past, campaignId: fc.constantFrom('k1', 'k2') }), { maxLength: 3 }),
    country: fc.option(fc.constantFrom('DE', 'FR', 'IT'), { nil: undefined }),
    interests: fc.option(fc.subarray(['running', 'books', 'chess']), { nil: undefined }),
    birthDate: fc.option(
      fc.date({ min: new Date('1950-01-01'), max: new Date('2020-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      { nil: undefined },
    ),
  })
  .map((p) => profile(p));
const nows = fc.integer({ min: 0, max: 30 * DAY }).map((d) => BASE + d);

describe('rule compiler', () => {
  it('agrees with a plain recursive interpreter on random rules, profiles and instants', () => {
    fc.assert(
      fc.property(rule, profiles, nows, (r, p, now) => {
        expect(RuleSchema.safeParse(r).success).toBe(true);
        expect(compileRule(r).matches(p, now)).toBe(interpret(r, p, now));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the exact next flip: different at it, unchanged everywhere before it', () => {
    fc.assert(
      fc.property(rule, profiles, nows, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), (r, p, now, samples) => {
        const compiled = compileRule(r);
        const at = nextFlip(compiled, p, now);
        const initial = interpret(r, p, now);
        const horizon = at ?? now + 400 * DAY;
        for (const s of samples) {
          const t = now + Math.floor(s * (horizon - now - 1));
          expect(interpret(r, p, t)).toBe(initial);
        }
        if (at !== null) {
          expect(at).toBeGreaterThan(now);
          expect(interpret(r, p, at - 1)).toBe(initial);
          expect(interpret(r, p, at)).toBe(!initial);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every rule the same matches and flips on one shared profile object as on a copy of its own', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 2, maxLength: 5 }), profiles, nows, (rs, p, now) => {
        const compiled = rs.map((r) => compileRule(r));
        // One object through every rule, as the segment service evaluates a change: the reads are shared.
        const shared = compiled.map((c) => [nextFlip(c, p, now), c.matches(p, now)]);
        const alone = compiled.map((c) => {
          const own = structuredClone(p);
          return [nextFlip(c, own, now), c.matches(own, now)];
        });
        expect(shared).toEqual(alone);
      }),
      { numRuns: 1000 },
    );
  });

  it('matches "at least 3 purchases"', () => {
    const compiled = compileRule({ field: 'purchase.count', op: 'gte', value: 3 });
    const buys = (n: number) => Array.from({ length: n }, (_, i) => ({ at: BASE - (i + 1) * DAY, amount: 10, category: 'shoes' }));
    expect(compiled.matches(profile({ purchases: buys(2) }), BASE)).toBe(false);
    expect(compiled.matches(profile({ purchases: buys(3) }), BASE)).toBe(true);
    expect(compiled.timeDependent).toBe(false);
  });

  it('leaves "purchased in the last 30 days" exactly 30 days after the last purchase', () => {
    const compiled = compileRule({ field: 'purchase.lastAt', op: 'withinLast', value: '30d' });
    const p = profile({ purchases: [{ at: BASE, amount: 10, category: 'shoes' }] });
    expect(nextFlip(compiled, p, BASE)).toBe(BASE + 30 * DAY);
    expect(compiled.matches(p, BASE + 30 * DAY - 1)).toBe(true);
    expect(compiled.matches(p, BASE + 30 * DAY)).toBe(false);
    expect(nextFlip(compiled, p, BASE + 30 * DAY)).toBeNull();
  });

  it('turns 18 at midnight UTC of the birthday', () => {
    const compiled = compileRule({ field: 'age', op: 'gte', value: 18 });
    const p = profile({ birthDate: '2008-12-01' });
    expect(compiled.matches(p, BASE)).toBe(false);
    expect(nextFlip(compiled, p, BASE)).toBe(Date.parse('2026-12-01T00:00:00.000Z'));
  });

  it('lists the fields a rule reads', () => {
    const compiled = compileRule({ all: [{ field: 'purchase.total', op: 'gt', value: 1 }, { not: { field: 'emailOpen.count', op: 'eq', value: 0 } }] });
    expect([...compiled.fields].sort()).toEqual(['emailOpen.count', 'purchase.total']);
  });

  it('explains a change by the conditions that flipped, with values now and before', () => {
    const compiled = compileRule({
      all: [
        { field: 'purchase.total', op: 'gte', value: 1000 },
        { field: 'emailOpen.count', op: 'gte', value: 1 },
      ],
    });
    const before = { profile: profile({ purchases: [{ at: BASE - DAY, amount: 890, category: 'shoes' }], opens: [{ at: BASE - DAY, campaignId: 'k1' }] }), at: BASE };
    const after = {
      profile: profile({ purchases: [{ at: BASE - DAY, amount: 890, category: 'shoes' }, { at: BASE, amount: 153.5, category: 'books' }], opens: [{ at: BASE - DAY, campaignId: 'k1' }] }),
      at: BASE + 1000,
    };
    expect(explainChange(compiled, before, after)).toEqual([
      { path: 'all[0]', field: 'purchase.total', op: 'gte', value: 1000, actual: 1043.5, was: 890 },
    ]);
  });

  it('explains a first evaluation with every condition and no previous value', () => {
    const compiled = compileRule({ not: { field: 'purchase.count', op: 'eq', value: 0 } });
    expect(explainChange(compiled, null, { profile: profile({ purchases: [{ at: BASE, amount: 5, category: 'shoes' }] }), at: BASE })).toEqual([
      { path: 'not', field: 'purchase.count', op: 'eq', value: 0, actual: 1, was: null },
    ]);
  });
});

describe('rules on the full profile', () => {
  it('counts purchases of a category in a window, and leaves when the window passes them', () => {
    const p = profile({ purchases: [1, 2, 3].map((d) => ({ at: BASE - d * DAY, amount: 50, category: 'shoes' })) });
    const compiled = compileRule({ field: 'purchase.count', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' } });
    expect(compiled.matches(p, BASE)).toBe(true);
    const flip = nextFlip(compiled, p, BASE)!;
    expect(flip - (BASE - 3 * DAY + 30 * DAY)).toBeLessThanOrEqual(DAY); // at day-bucket granularity
    expect(compiled.matches(p, flip - 1)).toBe(true);
    expect(compiled.matches(p, flip)).toBe(false);
  });

  it('exits a decayed lead score exactly when it crosses below the threshold', () => {
    const p = profile({ purchases: [{ at: BASE, amount: 10, category: 'shoes' }] }); // 10 points, half-life 30 d
    const compiled = compileRule({ field: 'leadScore', op: 'gte', value: 5 });
    const flip = nextFlip(compiled, p, BASE)!;
    expect(Math.abs(flip - (BASE + 30 * DAY))).toBeLessThanOrEqual(1);
    expect(compiled.matches(p, flip - 1)).toBe(true);
    expect(compiled.matches(p, flip)).toBe(false);
  });

  it('gives each segment its own flip when several read one field of one profile (each threshold is crossed at its own instant)', () => {
    const p = profile({ purchases: [{ at: BASE, amount: 10, category: 'shoes' }] }); // 10 points, half-life 30 d
    const rules = [5, 2.5, 8].map((value) => compileRule({ field: 'leadScore', op: 'gte', value }));
    // One profile object through every rule, as an evaluation of all segments does: 5 points
    // after one half-life, 2.5 after two, 8 after log2(10/8) of one.
    const flips = rules.map((compiled) => nextFlip(compiled, p, BASE)! - BASE);
    const expected = [30 * DAY, 60 * DAY, 30 * DAY * Math.log2(10 / 8)];
    flips.forEach((flip, i) => expect(Math.abs(flip - expected[i]!)).toBeLessThanOrEqual(1));
    expect(rules.map((compiled) => compiled.matches(p, BASE + 45 * DAY))).toEqual([false, true, false]);
  });

  it('scores RFM against the quintiles it was compiled with', () => {
    const p = profile({ purchases: [{ at: BASE - DAY, amount: 500, category: 'shoes' }] });
    const quintiles = { population: 100, recencyDays: [5, 20, 60, 120] as [number, number, number, number], frequency: [1, 2, 3, 5] as [number, number, number, number], monetary: [50, 100, 200, 400] as [number, number, number, number] };
    expect(compileRule({ field: 'rfm.recency', op: 'eq', value: 5 }, { rfmQuintiles: quintiles }).matches(p, BASE)).toBe(true);
    expect(compileRule({ field: 'rfm.monetary', op: 'eq', value: 5 }, { rfmQuintiles: quintiles }).matches(p, BASE)).toBe(true);
    expect(compileRule({ field: 'rfm.segment', op: 'exists' }, { rfmQuintiles: null }).matches(p, BASE)).toBe(false);
  });

  it('derives lifecycle stages with the thresholds it was compiled with, and flips on them', () => {
    const p = profile({ purchases: [10, 5].map((d) => ({ at: BASE - d * DAY, amount: 20, category: 'shoes' })) });
    const retention = { field: 'lifecycleStage', op: 'eq', value: 'retention' } as const;
    expect(compileRule(retention).matches(p, BASE)).toBe(true); // 2 purchases within 180 days by default
    const stricter = LifecycleThresholds.parse({ retention: { minPurchases: 3 } });
    expect(compileRule(retention, { rfmQuintiles: null, lifecycle: stricter }).matches(p, BASE)).toBe(false);
    const shorter = LifecycleThresholds.parse({ retention: { lastPurchaseWithinDays: 7 } });
    const compiled = compileRule(retention, { rfmQuintiles: null, lifecycle: shorter });
    const flip = nextFlip(compiled, p, BASE)!;
    expect(flip - (BASE - 5 * DAY + 7 * DAY)).toBeLessThanOrEqual(DAY);
    expect(compiled.matches(p, flip - 1)).toBe(true);
    expect(compiled.matches(p, flip)).toBe(false);
  });
});
