import { z } from 'zod';
import type { Validation } from './issues.js';
import { validate } from './issues.js';

/** Events whose occurredAt is further ahead than this are rejected as clock errors. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const id = z.string().min(1).max(128);
const isoWithOffset = z.iso.datetime({ offset: true });

const common = {
  eventId: id,
  customerId: id,
  occurredAt: isoWithOffset,
};

export const PurchaseItem = z.object({
  sku: z.string().min(1).max(128),
  category: z.string().min(1).max(128).optional(),
  quantity: z.number().int().positive(),
  price: z.number().nonnegative(),
});
export type PurchaseItem = z.infer<typeof PurchaseItem>;

export const PurchaseEvent = z.object({
  ...common,
  type: z.literal('purchase'),
  orderId: id,
  amount: z.number().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "EUR"'),
  items: z.array(PurchaseItem).max(1000).optional(),
  channel: z.string().min(1).max(64).optional(),
});
export type PurchaseEvent = z.infer<typeof PurchaseEvent>;

export const PageViewEvent = z.object({
  ...common,
  type: z.literal('page_view'),
  url: z.string().min(1).max(2048),
  category: z.string().min(1).max(128).optional(),
  referrer: z.string().max(2048).optional(),
  sessionId: z.string().min(1).max(128).optional(),
  utm: z
    .object({
      source: z.string().max(256).optional(),
      medium: z.string().max(256).optional(),
      campaign: z.string().max(256).optional(),
      term: z.string().max(256).optional(),
      content: z.string().max(256).optional(),
    })
    .optional(),
});
export type PageViewEvent = z.infer<typeof PageViewEvent>;

export const EmailOpenEvent = z.object({
  ...common,
  type: z.literal('email_open'),
  campaignId: id,
  messageId: id.optional(),
});
export type EmailOpenEvent = z.infer<typeof EmailOpenEvent>;

export const Traits = z.strictObject({
  email: z.email().optional(),
  firstName: z.string().max(256).optional(),
  lastName: z.string().max(256).optional(),
  birthDate: z.iso.date().optional(),
  gender: z.string().max(64).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 code such as "DE"').optional(),
  city: z.string().max(256).optional(),
  postalCode: z.string().max(32).optional(),
  interests: z.array(z.string().min(1).max(128)).max(100).optional(),
  preferredChannel: z.string().max(64).optional(),
  consent: z
    .strictObject({ email: z.boolean().optional(), sms: z.boolean().optional(), push: z.boolean().optional() })
    .optional(),
  custom: z.record(z.string().max(128), z.union([z.string().max(1024), z.number(), z.boolean()])).optional(),
});
export type Traits = z.infer<typeof Traits>;

export const TraitsEvent = z.object({
  ...common,
  type: z.literal('traits'),
  traits: Traits,
});
export type TraitsEvent = z.infer<typeof TraitsEvent>;

/** An event as producers send it, on a source topic or over HTTP. */
export const InputEvent = z.discriminatedUnion('type', [PurchaseEvent, PageViewEvent, EmailOpenEvent, TraitsEvent]);
export type InputEvent = z.infer<typeof InputEvent>;
export type EventType = InputEvent['type'];
export const EVENT_TYPES = ['purchase', 'page_view', 'email_open', 'traits'] as const satisfies readonly EventType[];

/** An accepted event on `customer-events.v1`: the input, normalised, plus when ingest received it. */
export const CustomerEvent = z.discriminatedUnion('type', [
  PurchaseEvent.extend({ receivedAt: z.iso.datetime() }),
  PageViewEvent.extend({ receivedAt: z.iso.datetime() }),
  EmailOpenEvent.extend({ receivedAt: z.iso.datetime() }),
  TraitsEvent.extend({ receivedAt: z.iso.datetime() }),
]);
export type CustomerEvent = z.infer<typeof CustomerEvent>;

/**
 * Validates a producer's event at instant `now`: the schema, then the clock-skew
 * rule (occurredAt at most five minutes ahead). Returns the event with
 * `occurredAt` normalised to UTC.
 */
export const validateInputEvent = (raw: unknown, now: Date): Validation<InputEvent> => {
  const parsed = validate(InputEvent, raw);
  if (!parsed.ok) return parsed;
  const occurredAt = new Date(parsed.value.occurredAt);
  if (occurredAt.getTime() - now.getTime() > MAX_FUTURE_SKEW_MS) {
    return { ok: false, errors: [{ path: 'occurredAt', message: 'is more than 5 minutes in the future' }] };
  }
  return { ok: true, value: { ...parsed.value, occurredAt: occurredAt.toISOString() } };
};

/** The normalised event ingest publishes to `customer-events.v1`. */
export const toCustomerEvent = (event: InputEvent, receivedAt: Date): CustomerEvent => ({
  ...event,
  receivedAt: receivedAt.toISOString(),
});
