import type { CustomerEvent, ProfileSnapshot, Traits } from '@segflow/contracts';

/** Money is summed in integer ten-thousandths so that totals do not depend on event order. */
const MONEY_SCALE = 10_000;

/**
 * What the profile service stores per customer: the published snapshot plus what is
 * needed to apply later events exactly (which event last set each trait, exact totals).
 */
export interface ProfileState {
  snapshot: ProfileSnapshot;
  purchaseTotalUnits: number;
  /** Per trait field, the (occurredAt, eventId) of the event that set it: the later one wins. */
  traitSetBy: Record<string, { at: string; eventId: string }>;
}

export const emptyProfile = (customerId: string, now: Date): ProfileState => ({
  snapshot: {
    customerId,
    version: 0,
    traits: {},
    purchase: { count: 0, total: 0, firstAt: null, lastAt: null },
    pageView: { count: 0, lastAt: null },
    emailOpen: { count: 0, lastAt: null },
    updatedAt: now.toISOString(),
  },
  purchaseTotalUnits: 0,
  traitSetBy: {},
});

const earlier = (a: string | null, b: string): string => (a === null || b < a ? b : a);
const later = (a: string | null, b: string): string => (a === null || b > a ? b : a);

/** Converts an amount to the base currency; returns null when no rate is known. */
export type ToBaseCurrency = (amount: number, currency: string) => number | null;

export const currencyConverter =
  (base: string, rates: Readonly<Record<string, number>>): ToBaseCurrency =>
  (amount, currency) => {
    if (currency === base) return amount;
    const rate = rates[currency];
    return rate === undefined ? null : amount * rate;
  };

export type ApplyResult = { ok: true; state: ProfileState } | { ok: false; reason: string };

/**
 * Applies one event to a profile. Deterministic in the set of events applied, whatever
 * their order: counts and sums commute, first/last take min/max, and each trait keeps
 * the value of the event with the latest (occurredAt, eventId). Times are UTC ISO
 * strings, so string order is time order.
 */
export const applyEvent = (
  state: ProfileState,
  event: CustomerEvent,
  context: { now: Date; toBase: ToBaseCurrency },
): ApplyResult => {
  const s = state.snapshot;
  const at = event.occurredAt;
  const next = (snapshot: Omit<ProfileSnapshot, 'version' | 'updatedAt' | 'customerId'>, extra: Partial<ProfileState> = {}): ApplyResult => ({
    ok: true,
    state: {
      ...state,
      ...extra,
      snapshot: { ...snapshot, customerId: s.customerId, version: s.version + 1, updatedAt: context.now.toISOString() },
    },
  });
  switch (event.type) {
    case 'purchase': {
      const amount = context.toBase(event.amount, event.currency);
      if (amount === null) return { ok: false, reason: `no exchange rate for currency ${event.currency}` };
      const units = state.purchaseTotalUnits + Math.round(amount * MONEY_SCALE);
      return next(
        {
          ...s,
          purchase: {
            count: s.purchase.count + 1,
            total: units / MONEY_SCALE,
            firstAt: earlier(s.purchase.firstAt, at),
            lastAt: later(s.purchase.lastAt, at),
          },
        },
        { purchaseTotalUnits: units },
      );
    }
    case 'page_view':
      return next({ ...s, pageView: { count: s.pageView.count + 1, lastAt: later(s.pageView.lastAt, at) } });
    case 'email_open':
      return next({ ...s, emailOpen: { count: s.emailOpen.count + 1, lastAt: later(s.emailOpen.lastAt, at) } });
    case 'traits': {
      const traits: Record<string, unknown> = { ...s.traits };
      const traitSetBy = { ...state.traitSetBy };
      for (const [field, value] of Object.entries(event.traits)) {
        if (value === undefined) continue;
        const current = traitSetBy[field];
        const wins = !current || at > current.at || (at === current.at && event.eventId > current.eventId);
        if (wins) {
          traits[field] = value;
          traitSetBy[field] = { at, eventId: event.eventId };
        }
      }
      return next({ ...s, traits: traits as Traits }, { traitSetBy });
    }
  }
};
