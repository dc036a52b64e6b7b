import { describe, expect, it } from 'vitest';
import { validateInputEvent } from './events.js';

const now = new Date('2026-11-23T10:00:00Z');
const base = { eventId: 'evt-1', customerId: 'c-42', occurredAt: '2026-11-23T09:59:59.870+01:00' };

const examples = {
  purchase: {
    ...base,
    type: 'purchase',
    orderId: 'o-1',
    amount: 129.9,
    currency: 'EUR',
    items: [{ sku: 'shoe-1', category: 'shoes', quantity: 1, price: 129.9 }],
    channel: 'web',
  },
  page_view: {
    ...base,
    type: 'page_view',
    url: 'https://shop.example/shoes/1',
    category: 'shoes',
    referrer: 'https://search.example/',
    sessionId: 's-1',
    utm: { source: 'newsletter', medium: 'email', campaign: 'autumn' },
  },
  email_open: { ...base, type: 'email_open', campaignId: 'autumn-sale', messageId: 'm-1' },
  identify: { ...base, type: 'identify', anonymousId: 'anon-7f3a' },
  traits: {
    ...base,
    type: 'traits',
    traits: {
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      birthDate: '1990-12-10',
      gender: 'female',
      country: 'DE',
      city: 'Berlin',
      postalCode: '10115',
      interests: ['running', 'books'],
      preferredChannel: 'email',
      consent: { email: true, sms: false, push: false },
      custom: { tier: 'gold', visits: 3, vip: true },
    },
  },
};

const errorsOf = (raw: unknown) => {
  const result = validateInputEvent(raw, now);
  return result.ok ? [] : result.errors;
};

describe('input event schemas', () => {
  it.each(Object.entries(examples))('accepts the %s example', (_type, example) => {
    const result = validateInputEvent(example, now);
    expect(result.ok).toBe(true);
  });

  it('normalises occurredAt to UTC', () => {
    const result = validateInputEvent(examples.email_open, now);
    expect(result.ok && result.value.occurredAt).toBe('2026-11-23T08:59:59.870Z');
  });

  it.each([
    ['eventId', { ...examples.purchase, eventId: '' }],
    ['eventId', { ...examples.purchase, eventId: 'x'.repeat(129) }],
    ['customerId', { ...examples.purchase, customerId: undefined }],
    ['occurredAt', { ...examples.purchase, occurredAt: '2026-11-23 10:00' }],
    ['occurredAt', { ...examples.purchase, occurredAt: '2026-11-23T10:00:00' }],
    ['amount', { ...examples.purchase, amount: -1 }],
    ['currency', { ...examples.purchase, currency: 'euro' }],
    ['items[0].quantity', { ...examples.purchase, items: [{ sku: 'a', quantity: 0, price: 1 }] }],
    ['url', { ...examples.page_view, url: '' }],
    ['campaignId', { ...examples.email_open, campaignId: undefined }],
    ['traits.country', { ...examples.traits, traits: { country: 'Germany' } }],
    ['traits.email', { ...examples.traits, traits: { email: 'not-an-email' } }],
    ['traits.birthDate', { ...examples.traits, traits: { birthDate: '10/12/1990' } }],
    ['traits.favouriteColour', { ...examples.traits, traits: { favouriteColour: 'red' } }],
    ['traits.consent.fax', { ...examples.traits, traits: { consent: { fax: true } } }],
    ['anonymousId', { ...examples.identify, anonymousId: '' }],
    ['anonymousId', { ...examples.identify, anonymousId: 'a\u0000b' }],
    ['anonymousId', { ...examples.identify, anonymousId: base.customerId }],
    ['type', { ...examples.purchase, type: 'refund' }],
  ])('rejects a bad %s with a message naming it', (path, raw) => {
    const errors = errorsOf(raw);
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it('rejects an event more than five minutes in the future', () => {
    const errors = errorsOf({ ...examples.purchase, occurredAt: '2026-11-23T10:05:01Z' });
    expect(errors).toEqual([{ path: 'occurredAt', message: 'is more than 5 minutes in the future' }]);
  });

  it('accepts an event up to five minutes in the future', () => {
    expect(errorsOf({ ...examples.purchase, occurredAt: '2026-11-23T10:05:00Z' })).toEqual([]);
  });
});
