import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, CustomerEvent, ProfileState, Rule } from '@segflow/contracts';
import { DEFAULT_SCORING_MODEL, Rule as RuleSchema } from '@segflow/contracts';
import { DEFAULT_PROFILE_LIMITS, applyEvent, currencyConverter, effectiveWindowMs, emptyProfile } from '@segflow/profile-model';
import { compileRule, explainChange, nextFlip } from './compile.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BASE = Date.parse('2026-11-23T00:00:00.000Z');

interface Buy {
  at: number;
  amount: number;
  category?: string;
}

/** A profile built the way the profile service builds it, with every event applied at BASE. */
const profile = (buys: Buy[]): ProfileState =>
  buys.reduce((state, b, i) => {
    const event: CustomerEvent = {
      eventId: `e-${i}`,
      customerId: 'c-1',
      occurredAt: new Date(b.at).toISOString(),
      receivedAt: new Date(BASE).toISOString(),
      type: 'purchase',
      orderId: `o-${i}`,
      amount: b.amount,
      currency: 'EUR',
      ...(b.category ? { items: [{ sku: 's', category: b.category, quantity: 1, price: b.amount }] } : {}),
    };
    const result = applyEvent(state, event, { now: BASE, toBase: currencyConverter('EUR', {}), scoring: DEFAULT_SCORING_MODEL, limits: DEFAULT_PROFILE_LIMITS });
    if (!result.ok) throw new Error(result.reason);
    return result.state;
  }, emptyProfile('c-1', BASE));

const durationOf = (d: string) => Number(d.slice(0, -1)) * (d.endsWith('h') ? HOUR : DAY);
const floor = (t: number, unit: number) => Math.floor(t / unit) * unit;

// A deliberately plain model, written from the README from the raw purchases. As of
// c = max(q, BASE), a purchase at t sits in a minute bucket if t ≥ floorHour(c − 48 h)
// (unfiltered only), else an hour bucket if t ≥ floorDay(c − 30 d), else a day bucket if
// t ≥ floorDay(c − 400 d). A bucket [s, e) is in the current window while s ≤ q and
// e > q − w, and in the previous period while s ≤ q and q − (w + p) < e ≤ q − w (the
// windows rounded as effectiveWindowMs does).
const unitOf = (t: number, q: number, filtered: boolean): number | null => {
  const c = Math.max(q, BASE);
  if (!filtered && t >= floor(c - 48 * HOUR, HOUR)) return MINUTE;
  if (t >= floor(c - 30 * DAY, DAY)) return HOUR;
  return t >= floor(c - 400 * DAY, DAY) ? DAY : null;
};
const rowsOf = (buys: Buy[], where: Condition['where']) => buys.filter((b) => where?.category === undefined || b.category === where.category);

const spans = (c: Condition) => {
  const w = effectiveWindowMs({ ms: durationOf(c.window!) });
  return c.compareTo ? [w, effectiveWindowMs({ ms: durationOf(c.window!) + durationOf(c.compareTo.window) })] : [w];
};

const naiveRead = (c: Condition, buys: Buy[], q: number): number | null => {
  const [w, span] = spans(c);
  let current = 0;
  let previous = 0;
  for (const b of rowsOf(buys, c.where)) {
    const unit = unitOf(b.at, q, c.where !== undefined);
    if (unit === null) continue;
    const start = floor(b.at, unit);
    const end = start + unit;
    const figure = c.field === 'purchase.count' ? 1 : b.amount;
    if (start > q) continue;
    if (end > q - w!) current += figure;
    else if (span !== undefined && end > q - span) previous += figure;
  }
  switch (c.measure) {
    case undefined:
    case 'current':
      return current;
    case 'previous':
      return previous;
    case 'difference':
      return current - previous;
    case 'ratio':
      return previous === 0 ? null : current / previous;
  }
};

const naiveTest = (c: Condition, buys: Buy[], q: number): boolean => {
  const a = naiveRead(c, buys, q);
  const v = c.value as number;
  switch (c.op) {
    case 'lt': return a !== null && a < v;
    case 'lte': return a !== null && a <= v;
    case 'gt': return a !== null && a > v;
    case 'gte': return a !== null && a >= v;
    case 'eq': return a !== null && a === v;
    case 'neq': return a === null || a !== v;
    case 'exists': return a !== null;
    case 'notExists': return a === null;
    default: throw new Error(c.op);
  }
};

const conditionsOf = (rule: Rule): Condition[] =>
  'all' in rule ? rule.all.flatMap(conditionsOf) : 'any' in rule ? rule.any.flatMap(conditionsOf) : 'not' in rule ? conditionsOf(rule.not) : [rule];

const naiveMatches = (rule: Rule, buys: Buy[], q: number): boolean => {
  if ('all' in rule) return rule.all.every((r) => naiveMatches(r, buys, q));
  if ('any' in rule) return rule.any.some((r) => naiveMatches(r, buys, q));
  if ('not' in rule) return !naiveMatches(rule.not, buys, q);
  return naiveTest(rule, buys, q);
};

/**
 * The first instant after `now` at which the naive rule changes its result. Its value can
 * change only where a comparison of the model above does: a bucket start at any level,
 * a bucket end plus a window, or a purchase changing level (minute → hour at
 * floorHour(t) + 49 h, hour → day at floorDay(t) + 31 d, dropped at floorDay(t) + 401 d).
 */
const naiveFlip = (rule: Rule, buys: Buy[], now: number): number | null => {
  const windows = [...new Set(conditionsOf(rule).flatMap(spans))];
  const candidates = new Set<number>();
  for (const b of buys) {
    for (const unit of [MINUTE, HOUR, DAY]) {
      const start = floor(b.at, unit);
      candidates.add(start);
      for (const w of windows) candidates.add(start + unit + w);
    }
    candidates.add(floor(b.at, HOUR) + 49 * HOUR);
    candidates.add(floor(b.at, DAY) + 31 * DAY);
    candidates.add(floor(b.at, DAY) + 401 * DAY);
  }
  const initial = naiveMatches(rule, buys, now);
  for (const t of [...candidates].filter((x) => x > now).sort((a, b) => a - b)) {
    if (naiveMatches(rule, buys, t) !== initial) return t;
  }
  return null;
};

const time = fc.oneof(
  fc.integer({ min: BASE - 3 * DAY, max: BASE + 5 * MINUTE }),
  fc.integer({ min: BASE - 60 * DAY, max: BASE }),
  fc.integer({ min: BASE - 420 * DAY, max: BASE }),
);
const buys: fc.Arbitrary<Buy[]> = fc.array(
  fc.record({ at: time, amount: fc.integer({ min: 0, max: 100 }), category: fc.option(fc.constantFrom('shoes', 'books'), { nil: undefined }) }).map((b) => (b.category ? b : { at: b.at, amount: b.amount })),
  { maxLength: 20 },
);
const duration = fc.oneof(fc.integer({ min: 1, max: 72 }).map((h) => `${h}h`), fc.integer({ min: 1, max: 200 }).map((d) => `${d}d`));
const values = { ratio: [0, 0.5, 1, 2], difference: [-50, -1, 0, 1, 50], current: [0, 1, 2, 100], previous: [0, 1, 2, 100] } as const;
const trendCondition: fc.Arbitrary<Condition> = fc
  .record({
    field: fc.constantFrom('purchase.count', 'purchase.total' as const),
    window: duration,
    compareTo: duration.map((window) => ({ window })),
    measure: fc.constantFrom('ratio', 'difference', 'current', 'previous' as const),
    op: fc.constantFrom('lt', 'lte', 'gt', 'gte', 'eq', 'neq', 'exists', 'notExists' as const),
    where: fc.option(fc.constant({ category: 'shoes' }), { nil: undefined }),
    pick: fc.nat(),
  })
  .map(({ pick, where, ...c }) => {
    const choices = values[c.measure];
    const base = { ...c, ...(where ? { where } : {}) };
    return c.op === 'exists' || c.op === 'notExists' ? base : { ...base, value: choices[pick % choices.length]! };
  });
const windowed: fc.Arbitrary<Condition> = fc.record({
  field: fc.constantFrom('purchase.count', 'purchase.total' as const),
  window: duration,
  op: fc.constantFrom('gte', 'lt' as const),
  value: fc.constantFrom(1, 2, 50),
});
const { rule } = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    trendCondition,
    trendCondition,
    windowed,
    fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ),
}));
const nows = fc.oneof(fc.integer({ min: 0, max: 3 * DAY }), fc.integer({ min: 0, max: 400 * DAY })).map((d) => BASE + d);

const declining: Rule = {
  all: [
    { field: 'purchase.total', window: '90d', compareTo: { window: '90d' }, measure: 'ratio', op: 'lt', value: 0.5 },
    { field: 'purchase.count', window: '90d', compareTo: { window: '90d' }, measure: 'previous', op: 'gte', value: 2 },
  ],
};

describe('trend conditions', () => {
  it('agree with a naive computation over the raw purchases, for random rules, histories and instants', () => {
    fc.assert(
      fc.property(rule, buys, nows, (r, history, q) => {
        fc.pre(RuleSchema.safeParse(r).success); // window + compareTo within 400 days
        expect(compileRule(r).matches(profile(history), q)).toBe(naiveMatches(r, history, q));
      }),
      { numRuns: 2000 },
    );
  });

  it('flip exactly when the naive computation does: the next flip is the first instant its result changes', () => {
    fc.assert(
      fc.property(rule, buys, nows, (r, history, now) => {
        fc.pre(RuleSchema.safeParse(r).success);
        expect(nextFlip(compileRule(r), profile(history), now)).toBe(naiveFlip(r, history, now));
      }),
      { numRuns: 1000 },
    );
  });

  it('find declining spenders the same way, flip instant included', () => {
    fc.assert(
      fc.property(buys, nows, (history, now) => {
        const compiled = compileRule(declining);
        const p = profile(history);
        expect(compiled.matches(p, now)).toBe(naiveMatches(declining, history, now));
        expect(nextFlip(compiled, p, now)).toBe(naiveFlip(declining, history, now));
      }),
      { numRuns: 1000 },
    );
  });

  it('holds "declining spenders": spend in the last 90 days under half the 90 days before, with 2 purchases before', () => {
    const before = [{ at: BASE - 150 * DAY, amount: 120 }, { at: BASE - 100 * DAY, amount: 80 }];
    const compiled = compileRule(declining);
    expect(compiled.matches(profile([...before, { at: BASE - 10 * DAY, amount: 50 }]), BASE)).toBe(true); // 50 < 0.5 × 200
    expect(compiled.matches(profile([...before, { at: BASE - 10 * DAY, amount: 100 }]), BASE)).toBe(false); // 100 = 0.5 × 200
    expect(compiled.matches(profile([{ at: BASE - 100 * DAY, amount: 200 }]), BASE)).toBe(false); // one purchase before
    expect(compiled.matches(profile([{ at: BASE - 10 * DAY, amount: 50 }]), BASE)).toBe(false); // nothing before: no ratio
  });

  it('leaves "declining spenders" on time, when the purchases before age out of the 90 days before', () => {
    const p = profile([{ at: BASE - 150 * DAY + HOUR, amount: 120 }, { at: BASE - 100 * DAY, amount: 80 }]);
    const compiled = compileRule(declining);
    expect(compiled.matches(p, BASE)).toBe(true);
    const flip = nextFlip(compiled, p, BASE);
    expect(flip).toBe(BASE - 150 * DAY + DAY + 180 * DAY); // the day bucket's end plus both periods
    expect(compiled.matches(p, flip! - 1)).toBe(true);
    expect(compiled.matches(p, flip!)).toBe(false);
  });

  it('explains a trend with its comparison, its measure and the figures of both periods', () => {
    const compiled = compileRule(declining);
    const before = { profile: profile([{ at: BASE - 120 * DAY, amount: 100 }, { at: BASE - 100 * DAY, amount: 100 }, { at: BASE - 30 * DAY, amount: 150 }]), at: BASE };
    const after = { profile: before.profile, at: BASE + 61 * DAY }; // the 150 moved to the 90 days before, the first 100 out of them
    expect(explainChange(compiled, before, after)).toEqual([
      {
        path: 'all[0]',
        field: 'purchase.total',
        window: '90d',
        compareTo: { window: '90d' },
        measure: 'ratio',
        op: 'lt',
        value: 0.5,
        actual: 0,
        was: 0.75,
        periods: { actual: { current: 0, previous: 250 }, was: { current: 150, previous: 200 } },
      },
    ]);
  });

  it('reads a trend and a plain window of the same field apart', () => {
    const p = profile([{ at: BASE - 2 * HOUR, amount: 10 }, { at: BASE - 30 * MINUTE, amount: 30 }]);
    const rule: Rule = {
      all: [
        { field: 'purchase.total', window: '1h', op: 'eq', value: 30 },
        { field: 'purchase.total', window: '1h', compareTo: { window: '2h' }, measure: 'difference', op: 'eq', value: 20 },
        { field: 'purchase.total', window: '1h', compareTo: { window: '2h' }, measure: 'ratio', op: 'eq', value: 3 },
      ],
    };
    expect(compileRule(rule).matches(p, BASE)).toBe(true);
  });
});
