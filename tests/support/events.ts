import { randomUUID } from 'node:crypto';

/** A valid purchase for `customerId`, unique unless an eventId is given. */
export const purchase = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  eventId: `evt-${randomUUID()}`,
  type: 'purchase',
  customerId,
  occurredAt: new Date().toISOString(),
  orderId: `o-${randomUUID()}`,
  amount: 25,
  currency: 'EUR',
  ...overrides,
});

/** A purchase as ingest forwards it to `customer-events.v1` (with `receivedAt`), for producing straight to that topic. */
export const customerEvent = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  ...purchase(customerId),
  receivedAt: new Date().toISOString(),
  ...overrides,
});
