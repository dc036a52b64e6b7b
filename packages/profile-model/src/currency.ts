/** Money is summed in integer ten-thousandths of the base currency, so totals do not depend on event order. */
export const MONEY_SCALE = 10_000;

/** Converts an amount to the base currency; returns null when no rate is known. */
export type ToBaseCurrency = (amount: number, currency: string) => number | null;

/** A converter with `rates[currency]` = value of one unit of `currency` in `base`. */
export const currencyConverter =
  (base: string, rates: Readonly<Record<string, number>>): ToBaseCurrency =>
  (amount, currency) => {
    if (currency === base) return amount;
    const rate = rates[currency];
    return rate === undefined ? null : amount * rate;
  };

/** An amount in the base currency as integer ten-thousandths. */
export const toUnits = (amount: number): number => Math.round(amount * MONEY_SCALE);
export const fromUnits = (units: number): number => units / MONEY_SCALE;
