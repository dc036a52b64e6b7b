import { CustomerEvent, validate } from '@segflow/contracts';
import type { FieldError } from '@segflow/contracts';
import type { ToBaseCurrency } from '@segflow/profile-model';

export type Triage =
  | { ok: true; event: CustomerEvent }
  | { ok: false; reason: 'invalid_event' | 'unknown_currency'; errors: FieldError[] };

/**
 * Decides whether a `customer-events.v1` message can be applied. What fails here is
 * permanent (it would fail on every retry), so it goes to the DLQ and the offset moves on.
 */
export const triageCustomerEvent = (bytes: Buffer | null, toBase: ToBaseCurrency): Triage => {
  let raw: unknown;
  try {
    raw = JSON.parse((bytes ?? Buffer.alloc(0)).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'invalid_event', errors: [{ path: '', message: (error as Error).message }] };
  }
  const parsed = validate(CustomerEvent, raw);
  if (!parsed.ok) return { ok: false, reason: 'invalid_event', errors: parsed.errors };
  const event = parsed.value;
  if (event.type === 'purchase' && toBase(event.amount, event.currency) === null) {
    return { ok: false, reason: 'unknown_currency', errors: [{ path: 'currency', message: `no exchange rate for ${event.currency}` }] };
  }
  return { ok: true, event };
};
