import { randomUUID } from 'node:crypto';
import type { components } from '@segflow/client';

/** The body of POST /v1/events (an event or a batch), typed by the OpenAPI document. */
export type EventsRequest = components['schemas']['EventsRequest'];
export type PurchaseEvent = components['schemas']['PurchaseEvent'];
export type TraitsEvent = components['schemas']['TraitsEvent'];

/** A valid purchase for `customerId`, unique unless an eventId is given. */
export const purchase = (customerId: string, overrides: Partial<PurchaseEvent> = {}): PurchaseEvent => ({
  eventId: `evt-${randomUUID()}`,
  type: 'purchase',
  customerId,
  occurredAt: new Date().toISOString(),
  orderId: `o-${randomUUID()}`,
  amount: 25,
  currency: 'EUR',
  ...overrides,
});

/** A traits event for `customerId` setting `traits` as of `occurredAt` (a later one wins per field). */
export const traitsEvent = (customerId: string, traits: TraitsEvent['traits'], occurredAt: Date | number): TraitsEvent => ({
  eventId: `evt-${randomUUID()}`,
  type: 'traits',
  customerId,
  occurredAt: new Date(occurredAt).toISOString(),
  traits,
});

/** A purchase as ingest forwards it to `customer-events.v1` (with `receivedAt`), for producing straight to that topic. */
export const customerEvent = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  ...purchase(customerId),
  receivedAt: new Date().toISOString(),
  ...overrides,
});
