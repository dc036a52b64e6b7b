import { z } from 'zod';
import type { Validation } from './issues.js';
import { validate } from './issues.js';
import { Amount, Identifier, LIMITS, safeText } from './limits.js';

/** Events whose occurredAt is further ahead than this are rejected as clock errors. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const id = Identifier;
const label = safeText(LIMITS.labelLength, 1);
const text = safeText(LIMITS.textLength);
const isoWithOffset = z.iso.datetime({ offset: true });

const common = {
  eventId: id,
  customerId: id,
  occurredAt: isoWithOffset,
};

export const PurchaseItem = z.object({
  sku: id,
  category: label.optional(),
  quantity: z.number().int().positive().max(LIMITS.quantityMax),
  price: Amount,
});
export type PurchaseItem = z.infer<typeof PurchaseItem>;

export const PurchaseEvent = z.object({
  ...common,
  type: z.literal('purchase'),
  orderId: id,
  amount: Amount,
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "EUR"'),
  items: z.array(PurchaseItem).max(LIMITS.itemsPerPurchase).optional(),
  channel: safeText(64, 1).optional(),
});
export type PurchaseEvent = z.infer<typeof PurchaseEvent>;

export const PageViewEvent = z.object({
  ...common,
  type: z.literal('page_view'),
  url: safeText(LIMITS.urlLength, 1),
  category: label.optional(),
  referrer: safeText(LIMITS.urlLength).optional(),
  sessionId: id.optional(),
  utm: z
    .object({
      source: text.optional(),
      medium: text.optional(),
      campaign: text.optional(),
      term: text.optional(),
      content: text.optional(),
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
  email: z.email().max(254).optional(),
  firstName: text.optional(),
  lastName: text.optional(),
  birthDate: z.iso.date().optional(),
  gender: safeText(64).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 code such as "DE"').optional(),
  city: text.optional(),
  postalCode: safeText(32).optional(),
  interests: z.array(label).max(100).optional(),
  preferredChannel: safeText(64).optional(),
  consent: z
    .strictObject({ email: z.boolean().optional(), sms: z.boolean().optional(), push: z.boolean().optional() })
    .optional(),
  custom: z
    .record(label, z.union([safeText(1024), z.number(), z.boolean()]))
    .refine((custom) => Object.keys(custom).length <= 100, 'at most 100 custom traits')
    .optional(),
});
export type Traits = z.infer<typeof Traits>;

export const TraitsEvent = z.object({
  ...common,
  type: z.literal('traits'),
  traits: Traits,
});
export type TraitsEvent = z.infer<typeof TraitsEvent>;

const identifyShape = {
  ...common,
  type: z.literal('identify'),
  /** The id the customer was known by so far (a cookie, a device id): its profile merges into `customerId`. */
  anonymousId: id,
};
const distinctIds = <S extends z.ZodObject<typeof identifyShape>>(schema: S): S =>
  schema.refine((e) => e.anonymousId !== e.customerId, { path: ['anonymousId'], message: 'must differ from customerId' });

/**
 * `anonymousId` is the same person as `customerId`: what is known under the anonymous id
 * merges into the customer's profile, and later events for it count for the customer.
 */
export const IdentifyEvent = distinctIds(z.object(identifyShape)).meta({
  description: 'anonymousId is the same person as customerId: its profile merges into the customer’s, and later events for it count for the customer. anonymousId must differ from customerId.',
});
export type IdentifyEvent = z.infer<typeof IdentifyEvent>;

/** An event as producers send it, on a source topic or over HTTP. */
export const InputEvent = z.discriminatedUnion('type', [PurchaseEvent, PageViewEvent, EmailOpenEvent, TraitsEvent, IdentifyEvent]);
export type InputEvent = z.infer<typeof InputEvent>;
export type EventType = InputEvent['type'];
export const EVENT_TYPES = ['purchase', 'page_view', 'email_open', 'traits', 'identify'] as const satisfies readonly EventType[];

/** An accepted event on `customer-events.v1`: the input, normalised, plus when ingest received it. */
export const CustomerEvent = z.discriminatedUnion('type', [
  PurchaseEvent.extend({ receivedAt: z.iso.datetime() }),
  PageViewEvent.extend({ receivedAt: z.iso.datetime() }),
  EmailOpenEvent.extend({ receivedAt: z.iso.datetime() }),
  TraitsEvent.extend({ receivedAt: z.iso.datetime() }),
  distinctIds(z.object({ ...identifyShape, receivedAt: z.iso.datetime() })),
]);
export type CustomerEvent = z.infer<typeof CustomerEvent>;
/** An accepted identify event. */
export type IdentifyCustomerEvent = Extract<CustomerEvent, { type: 'identify' }>;

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
