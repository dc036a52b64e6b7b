import { z } from 'zod';
import { Amount, LIMITS, safeText } from './limits.js';

/**
 * Lead scoring (DESIGN §4): every rule matching an event adds its points (possibly
 * negative), at most `dailyCap` per rule and UTC day; scores decay exponentially with
 * `halfLifeDays`, computed from event time so the result does not depend on arrival order.
 */
export const ScoringRule = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'expected a slug of 1-64 characters a-z, 0-9 and "-"'),
    eventType: z.enum(['purchase', 'page_view', 'email_open', 'traits']),
    filters: z
      .strictObject({
        urlPrefix: safeText(LIMITS.urlLength, 1).optional(),
        category: safeText(LIMITS.labelLength, 1).optional(),
        campaignId: safeText(LIMITS.idLength, 1).optional(),
        minAmount: Amount.optional(),
      })
      .default({}),
    points: z.number().min(-1e6).max(1e6).refine((p) => p !== 0, 'points must not be 0'),
    dailyCap: z.number().positive().max(1e9).optional(),
  })
  .superRefine((rule, ctx) => {
    const allowed: Record<string, string[]> = {
      purchase: ['category', 'minAmount'],
      page_view: ['urlPrefix', 'category'],
      email_open: ['campaignId'],
      traits: [],
    };
    for (const key of Object.keys(rule.filters)) {
      if (!allowed[rule.eventType]!.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['filters', key], message: `filter "${key}" does not apply to ${rule.eventType} events` });
      }
    }
    if (rule.dailyCap !== undefined && rule.points < 0) {
      ctx.addIssue({ code: 'custom', path: ['dailyCap'], message: 'a daily cap applies to positive points only' });
    }
  });
export type ScoringRule = z.infer<typeof ScoringRule>;

/** What `PUT /v1/scoring-model` takes. */
export const ScoringModelInput = z
  .strictObject({
    halfLifeDays: z.number().positive().max(3650).default(30),
    rules: z.array(ScoringRule).max(200),
  })
  .superRefine((model, ctx) => {
    const seen = new Set<string>();
    model.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  });
export type ScoringModelInput = z.infer<typeof ScoringModelInput>;

/** A stored model: each change gets the next version and applies to events processed after it. */
export const ScoringModel = z.object({
  version: z.number().int().nonnegative(),
  halfLifeDays: z.number().positive(),
  rules: z.array(ScoringRule),
  updatedAt: z.iso.datetime(),
});
export type ScoringModel = z.infer<typeof ScoringModel>;

/** The model in force before anyone configured one: no rules, 30-day half-life. */
export const DEFAULT_SCORING_MODEL: ScoringModel = {
  version: 0,
  halfLifeDays: 30,
  rules: [],
  updatedAt: '1970-01-01T00:00:00.000Z',
};
