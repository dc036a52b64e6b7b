import { describe, expect, it } from 'vitest';
import { acceptSourceMessage } from './accept-event.js';

const now = new Date('2026-11-23T10:00:00Z');
const purchase = { eventId: 'e-1', type: 'purchase', customerId: 'c-1', occurredAt: '2026-11-23T09:00:00Z', orderId: 'o-1', amount: 5, currency: 'EUR' };
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('accepting source-topic messages', () => {
  it('accepts a valid event and stamps when it was received', () => {
    const result = acceptSourceMessage(bytes(purchase), 'purchase', now);
    expect(result).toEqual({ ok: true, event: { ...purchase, occurredAt: '2026-11-23T09:00:00.000Z', receivedAt: now.toISOString() } });
  });

  it('rejects bytes that are not JSON', () => {
    const result = acceptSourceMessage(Buffer.from('{"eventId":'), 'purchase', now);
    expect(result.ok === false && result.reason).toBe('invalid_json');
  });

  it('rejects an empty message as not JSON', () => {
    expect(acceptSourceMessage(null, 'purchase', now).ok).toBe(false);
  });

  it('rejects an invalid event naming the field', () => {
    const result = acceptSourceMessage(bytes({ ...purchase, amount: -3 }), 'purchase', now);
    expect(result).toMatchObject({ ok: false, reason: 'invalid_event', errors: [{ path: 'amount' }] });
  });

  it('accepts an identify on its topic and refuses one that names the same id twice', () => {
    const identify = { eventId: 'e-2', type: 'identify', customerId: 'c-1', anonymousId: 'anon-1', occurredAt: '2026-11-23T09:00:00Z' };
    expect(acceptSourceMessage(bytes(identify), 'identify', now)).toMatchObject({ ok: true, event: { anonymousId: 'anon-1', customerId: 'c-1' } });
    expect(acceptSourceMessage(bytes({ ...identify, anonymousId: 'c-1' }), 'identify', now)).toMatchObject({ ok: false, reason: 'invalid_event', errors: [{ path: 'anonymousId' }] });
    expect(acceptSourceMessage(bytes(identify), 'traits', now)).toMatchObject({ ok: false, reason: 'wrong_topic' });
  });

  it('rejects an event of another type than its topic carries', () => {
    const result = acceptSourceMessage(bytes(purchase), 'page_view', now);
    expect(result).toMatchObject({ ok: false, reason: 'wrong_topic', errors: [{ path: 'type' }] });
  });
});
