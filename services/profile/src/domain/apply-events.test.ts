import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segflow/contracts';
import { currencyConverter } from '@segflow/profile-model';
import { applyEvents } from './apply-events.js';
import { triageCustomerEvent } from './triage.js';

const now = new Date('2026-11-23T10:00:00Z');
const toBase = currencyConverter('EUR', { USD: 0.5 });
const purchase = (id: string, customerId: string, amount: number, currency = 'EUR'): CustomerEvent => ({
  eventId: id,
  type: 'purchase',
  customerId,
  occurredAt: '2026-11-23T09:00:00.000Z',
  receivedAt: '2026-11-23T09:00:01.000Z',
  orderId: `o-${id}`,
  amount,
  currency,
});

describe('applying a batch of events', () => {
  it('publishes one change per customer with the final snapshot and the last cause', () => {
    const { changed, changes } = applyEvents(new Map(), [purchase('e1', 'a', 10), purchase('e2', 'b', 4, 'USD'), purchase('e3', 'a', 5)], { now, toBase });
    expect(changed.map((s) => [s.snapshot.customerId, s.snapshot.purchase.count, s.snapshot.purchase.total])).toEqual([
      ['a', 2, 15],
      ['b', 1, 2],
    ]);
    expect(changes.map((c) => [c.customerId, c.version, c.causationEventId])).toEqual([
      ['a', 2, 'e3'],
      ['b', 1, 'e2'],
    ]);
  });
});

describe('triage of customer events', () => {
  const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
  it('accepts a valid event', () => {
    expect(triageCustomerEvent(bytes(purchase('e1', 'a', 1)), toBase).ok).toBe(true);
  });
  it('sends a purchase in a currency without a rate to the DLQ', () => {
    expect(triageCustomerEvent(bytes(purchase('e1', 'a', 1, 'JPY')), toBase)).toMatchObject({ ok: false, reason: 'unknown_currency' });
  });
  it('sends a malformed message to the DLQ', () => {
    expect(triageCustomerEvent(Buffer.from('nope'), toBase)).toMatchObject({ ok: false, reason: 'invalid_event' });
    expect(triageCustomerEvent(bytes({ type: 'purchase' }), toBase)).toMatchObject({ ok: false, reason: 'invalid_event' });
  });
});
