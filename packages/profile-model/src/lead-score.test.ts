import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, ScoringModel, ScoringRule } from '@segflow/contracts';
import { CAP_HORIZON_HALF_LIVES, CAP_HORIZON_MAX_MS, leadScore, ruleMatches, scoreCrossingAt, scoreCurve } from './lead-score.js';
import type { ProfileLimits } from './limits.js';
import { DEFAULT_PROFILE_LIMITS } from './limits.js';
import { applyEventBatch } from './profile.js';
import { NOW, SCORING, SMALL_LIMITS, context, emailOpen, eventTime, fold, histories, pageView, purchase, toBase, traits } from './test-support.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';

/**
 * The documented value, from the raw events: Σ p·2^(−(now − t)/H) over matching rules;
 * for a capped rule, each UTC day's points scaled by min(1, cap / day's points), only
 * for days ending after (latest event − horizon), and at most `limit` (rule, day)
 * pairs, the most recent days first. Also returns Σ|terms|, the scale of float error.
 */
const naive = (events: CustomerEvent[], model: ScoringModel, limits: ProfileLimits, now: number) => {
  const H = model.halfLifeDays * DAY_MS;
  const latest = Math.max(...events.map((e) => Date.parse(e.occurredAt)));
  const cutoff = latest - Math.min(CAP_HORIZON_HALF_LIVES * H, CAP_HORIZON_MAX_MS);
  let value = 0;
  let magnitude = 0;
  const days = new Map<string, { rule: ScoringRule; day: number; raw: number; decayed: number }>();
  for (const e of events) {
    const t = Date.parse(e.occurredAt);
    const amount = e.type === 'purchase' ? toBase(e.amount, e.currency) : null;
    for (const rule of model.rules) {
      if (!ruleMatches(rule, e, amount)) continue;
      const term = rule.points * 2 ** (-(now - t) / H);
      magnitude += Math.abs(term);
      if (rule.dailyCap === undefined) value += term;
      else {
        const day = Math.floor(t / DAY_MS);
        const key = `${rule.id}/${day}`;
        const entry = days.get(key) ?? { rule, day, raw: 0, decayed: 0 };
        entry.raw += rule.points;
        entry.decayed += term;
        days.set(key, entry);
      }
    }
  }
  const kept = [...days.values()]
    .filter((d) => (d.day + 1) * DAY_MS > cutoff)
    .sort((a, b) => b.day - a.day || (a.rule.id < b.rule.id ? -1 : 1))
    .slice(0, limits.maxCappedDays);
  for (const d of kept) value += Math.min(1, d.rule.dailyCap! / d.raw) * d.decayed;
  return { value, magnitude };
};

const ctx = context({ scoring: SCORING, limits: SMALL_LIMITS });
const positiveOnly: ScoringModel = { ...SCORING, rules: SCORING.rules.filter((r) => r.points > 0) };
const times = fc.oneof(eventTime(3), eventTime(60), eventTime(500));

describe('lead score', () => {
  it('equals the closed-form sum of decayed points, daily caps included', () => {
    fc.assert(
      fc.property(histories(times, 60, 1), fc.integer({ min: -2 * DAY_MS, max: 200 * DAY_MS }), (events, offset) => {
        const state = fold(events, ctx);
        const q = NOW + offset;
        const { value, magnitude } = naive(events, SCORING, SMALL_LIMITS, q);
        expect(Math.abs(leadScore(state, q) - value)).toBeLessThanOrEqual(1e-9 * magnitude + 1e-300);
      }),
      { numRuns: 300 },
    );
  });

  it('is monotone: with positive points it only decays as time passes', () => {
    fc.assert(
      fc.property(histories(times, 40, 1), fc.integer({ min: -DAY_MS, max: 100 * DAY_MS }), fc.integer({ min: 1, max: 30 * DAY_MS }), (events, a, gap) => {
        const state = fold(events, context({ scoring: positiveOnly }));
        expect(leadScore(state, NOW + a + gap)).toBeLessThanOrEqual(leadScore(state, NOW + a));
        expect(leadScore(state, NOW + a)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('halves every half-life', () => {
    const state = fold([pageView('e1', NOW, { url: '/pricing' })], context({ scoring: SCORING }));
    expect(leadScore(state, NOW)).toBeCloseTo(3.5, 12); // pricing 3 + browse 0.5
    expect(leadScore(state, NOW + 7 * DAY_MS)).toBeCloseTo(1.75, 12);
    expect(leadScore(state, NOW + 70 * DAY_MS)).toBeCloseTo(3.5 / 1024, 12);
  });

  it('scales a capped rule down to its cap per UTC day, each event at its own time', () => {
    const views = [0, 1, 2, 3].map((i) => pageView(`e${i}`, NOW - i * HOUR_MS, { url: '/pricing' }));
    const state = fold(views, context({ scoring: { ...SCORING, rules: [SCORING.rules[3]!] } }));
    const decayed = [0, 1, 2, 3].reduce((sum, i) => sum + 3 * 2 ** (-(i * HOUR_MS) / (7 * DAY_MS)), 0);
    expect(leadScore(state, NOW)).toBeCloseTo((7 / 12) * decayed, 12);
    const nextDay = fold([...views, pageView('e9', NOW + 14 * HOUR_MS + 1, { url: '/pricing' })], context({ scoring: { ...SCORING, rules: [SCORING.rules[3]!] } }));
    expect(leadScore(nextDay, NOW) - leadScore(state, NOW)).toBeCloseTo(3 * 2 ** ((14 * HOUR_MS + 1) / (7 * DAY_MS)), 10);
  });

  it('keeps the capped (rule, day) entries bounded, the most recent days first', () => {
    const events = Array.from({ length: 30 }, (_, i) => pageView(`e${i}`, NOW - i * DAY_MS, { url: '/pricing' }));
    const state = fold(events, context({ scoring: SCORING, limits: SMALL_LIMITS }));
    const entries = Object.values(state.leadScore.capped).flatMap((r) => Object.keys(r.days).map(Number));
    expect(entries).toHaveLength(SMALL_LIMITS.maxCappedDays);
    expect(Math.min(...entries)).toBe(Math.floor(NOW / DAY_MS) - 2); // three days of two capped rules
    const reversed = fold([...events].reverse(), context({ scoring: SCORING, limits: SMALL_LIMITS }));
    expect(reversed.leadScore.capped).toEqual(state.leadScore.capped);
  });

  it('forgets capped days older than 32 half-lives before the newest event, whatever the order', () => {
    const old = pageView('e1', NOW - 300 * DAY_MS, { url: '/pricing' });
    const recent = pageView('e2', NOW, { url: '/pricing' });
    const limits = DEFAULT_PROFILE_LIMITS;
    const a = fold([old, recent], context({ scoring: SCORING, limits }));
    const b = fold([recent, old], context({ scoring: SCORING, limits }));
    expect(Object.keys(a.leadScore.capped.pricing!.days)).toEqual([String(Math.floor(NOW / DAY_MS))]);
    expect(b.leadScore).toEqual(a.leadScore);
  });

  it('stays finite and exact to 1e-9 over extreme half-lives and spans', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.0007, 0.5, 30, 3650),
        fc.array(fc.record({ at: fc.integer({ min: Date.parse('1975-01-01'), max: Date.parse('2090-01-01') }), big: fc.boolean() }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 10 * 365 * DAY_MS }),
        (halfLifeDays, raw, offset) => {
          const model: ScoringModel = { ...SCORING, halfLifeDays, rules: [{ id: 'any', eventType: 'page_view', filters: {}, points: 1e6 }, { id: 'neg', eventType: 'email_open', filters: {}, points: -3 }] };
          const events = raw.map((r, i) => (r.big ? pageView(`e${i}`, r.at) : emailOpen(`e${i}`, r.at)));
          const latest = Math.max(...raw.map((r) => r.at));
          const state = fold(events, context({ scoring: model, now: latest }));
          const q = latest + offset;
          const { value, magnitude } = naive(events, model, DEFAULT_PROFILE_LIMITS, q);
          const score = leadScore(state, q);
          expect(Number.isFinite(score)).toBe(true);
          expect(Number.isFinite(state.leadScore.sum)).toBe(true);
          expect(Math.abs(score - value)).toBeLessThanOrEqual(1e-9 * magnitude + 1e-300);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies a model change to events processed after it only', () => {
    const first = fold([pageView('e1', NOW - DAY_MS, { url: '/pricing' })], context({ scoring: { ...SCORING, rules: [] } }));
    const then = applyEventBatch(first, [pageView('e2', NOW, { url: '/pricing' })], context({ scoring: SCORING })).state;
    expect(leadScore(then, NOW)).toBeCloseTo(3.5, 12);
  });

  it('keeps the value at the processing instant when the half-life changes, then decays at the new rate', () => {
    const before = fold([purchase('e1', NOW - 3 * DAY_MS, 5)], context({ scoring: SCORING }));
    const valueNow = leadScore(before, NOW);
    const after = applyEventBatch(before, [traits('e2', NOW - DAY_MS, { city: 'Rome' })], context({ scoring: { ...SCORING, halfLifeDays: 30, rules: [] } })).state;
    expect(after.leadScore.halfLifeDays).toBe(30);
    expect(leadScore(after, NOW)).toBeCloseTo(valueNow, 10);
    expect(leadScore(after, NOW + 30 * DAY_MS)).toBeCloseTo(valueNow / 2, 10);
  });

  it('matches rules by event type and filters', () => {
    const rule = (r: Partial<ScoringRule> & Pick<ScoringRule, 'eventType'>): ScoringRule => ({ id: 'r', filters: {}, points: 1, ...r });
    const shoes = purchase('e1', NOW, 120, { items: [{ sku: 's', category: 'shoes', quantity: 1, price: 120 }] });
    expect(ruleMatches(rule({ eventType: 'purchase', filters: { category: 'shoes', minAmount: 100 } }), shoes, 120)).toBe(true);
    expect(ruleMatches(rule({ eventType: 'purchase', filters: { minAmount: 130 } }), shoes, 120)).toBe(false);
    expect(ruleMatches(rule({ eventType: 'purchase', filters: { category: 'hats' } }), shoes, 120)).toBe(false);
    expect(ruleMatches(rule({ eventType: 'page_view' }), shoes, 120)).toBe(false);
    expect(ruleMatches(rule({ eventType: 'page_view', filters: { urlPrefix: '/pricing' } }), pageView('e2', NOW, { url: '/pricing/team' }), null)).toBe(true);
    expect(ruleMatches(rule({ eventType: 'page_view', filters: { urlPrefix: '/pricing' } }), pageView('e2', NOW, { url: '/blog' }), null)).toBe(false);
    expect(ruleMatches(rule({ eventType: 'page_view', filters: { category: 'shoes' } }), pageView('e2', NOW, { category: 'shoes' }), null)).toBe(true);
    expect(ruleMatches(rule({ eventType: 'email_open', filters: { campaignId: 'spring' } }), emailOpen('e3', NOW, 'autumn'), null)).toBe(false);
    expect(ruleMatches(rule({ eventType: 'traits' }), traits('e4', NOW, { city: 'Oslo' }), null)).toBe(true);
  });
});

describe('lead score threshold crossing', () => {
  const above = (state: Parameters<typeof leadScore>[0], t: number, threshold: number) => leadScore(state, t) >= threshold;

  it('returns the first millisecond the comparison flips, and nothing flips before it', () => {
    fc.assert(
      fc.property(
        histories(times, 30, 1),
        fc.double({ min: -40, max: 120, noNaN: true }),
        fc.integer({ min: -DAY_MS, max: 30 * DAY_MS }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (events, threshold, offset, samples) => {
          const state = fold(events, ctx);
          const q = NOW + offset;
          const at = scoreCrossingAt(state, threshold, q);
          const initially = above(state, q, threshold);
          if (at === null) {
            for (const s of samples) expect(above(state, q + Math.floor(s * 1000 * DAY_MS), threshold)).toBe(initially);
            return;
          }
          expect(at).toBeGreaterThan(q);
          expect(above(state, at, threshold)).toBe(!initially);
          if (at - 1 > q) expect(above(state, at - 1, threshold)).toBe(initially);
          for (const s of samples) expect(above(state, q + Math.floor(s * (at - q - 1)), threshold)).toBe(initially);
          const { total, anchorMs, halfLifeMs } = scoreCurve(state);
          expect(Math.abs(at - (anchorMs + halfLifeMs * Math.log2(total / threshold)))).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('crosses a positive threshold once on the way down, and never one it is below', () => {
    const state = fold([pageView('e1', NOW, { url: '/pricing' })], context({ scoring: SCORING })); // 3.5 at NOW
    expect(scoreCrossingAt(state, 1.75, NOW)).toBe(NOW + 7 * DAY_MS + 1);
    expect(scoreCrossingAt(state, 5, NOW)).toBeNull();
    expect(scoreCrossingAt(state, 0, NOW)).toBeNull();
    expect(scoreCrossingAt(state, -1, NOW)).toBeNull();
  });

  it('crosses a negative threshold on the way up from below', () => {
    const state = fold([traits('e1', NOW, { city: 'Oslo' }), traits('e2', NOW - MINUTE_MS, { city: 'Rome' })], context({ scoring: SCORING })); // ≈ −2
    const at = scoreCrossingAt(state, -1, NOW)!;
    expect(at).toBeGreaterThan(NOW + 6 * DAY_MS);
    expect(leadScore(state, at - 1)).toBeLessThan(-1);
    expect(leadScore(state, at)).toBeGreaterThanOrEqual(-1);
    expect(scoreCrossingAt(state, 0, NOW)).toBeNull();
  });

  it('has nothing to cross for an empty score', () => {
    expect(scoreCrossingAt(fold([]), 1, NOW)).toBeNull();
  });
});
