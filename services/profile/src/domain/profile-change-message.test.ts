import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProfileChangeEnvelope } from '@segflow/contracts';
import type { CustomerEvent, ProfileChange } from '@segflow/contracts';
import { currencyConverter } from '@segflow/profile-model';
import type { ProfileState } from '@segflow/profile-model';
import { applyEvents } from './apply-events.js';
import { encodeProfileChange } from './profile-change-message.js';

const now = new Date('2026-11-23T10:00:00Z');
const toBase = currencyConverter('EUR', {});

const event = (n: number, customerId: string, kind: number): CustomerEvent => {
  const common = { eventId: `e-${n}`, customerId, occurredAt: new Date(now.getTime() - n * 3_600_000).toISOString(), receivedAt: now.toISOString() };
  if (kind === 0) return { ...common, type: 'purchase', orderId: `o-${n}`, amount: 10 + n, currency: 'EUR', items: [{ sku: 's', category: `cat-${n % 3}`, quantity: 1, price: 10 + n }] };
  if (kind === 1) return { ...common, type: 'page_view', url: `/p/${n}`, category: '__proto__' };
  if (kind === 2) return { ...common, type: 'email_open', campaignId: `k-${n % 2}` };
  return { ...common, type: 'traits', traits: { email: `c${n}@example.com`, custom: { tier: 'gold', 'odd "key"': n } } };
};

describe('encodeProfileChange', () => {
  it('gives the JSON of the change itself, whether its snapshot was serialised before or not', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 12 }), (picks) => {
        const events = picks.map(([customer, kind], n) => event(n, `c-${customer}`, kind));
        const { changed, changes } = applyEvents(new Map(), events, { now, toBase });
        const serialised = new Map<ProfileState, string>(changed.map((state) => [state, JSON.stringify(state)]));
        const merged: ProfileChange = { kind: 'merged', customerId: 'anon', into: 'c-0', mergedAt: now.toISOString(), causationEventId: 'e-0', eventTime: now.toISOString() };
        for (const change of [...changes, merged]) {
          const expected = JSON.parse(JSON.stringify(change)) as unknown;
          for (const known of [serialised, new Map<ProfileState, string>()]) {
            const decoded = JSON.parse(encodeProfileChange(change, known)) as unknown;
            expect(decoded).toStrictEqual(expected);
            expect(ProfileChangeEnvelope.safeParse(decoded).success).toBe(true);
          }
        }
      }),
    );
  });
});
