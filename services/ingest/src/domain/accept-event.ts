import { toCustomerEvent, validateInputEvent } from '@segflow/contracts';
import type { CustomerEvent, EventType, FieldError } from '@segflow/contracts';

export type RejectionReason = 'invalid_json' | 'invalid_event' | 'wrong_topic';

export type Acceptance =
  | { ok: true; event: CustomerEvent }
  | { ok: false; reason: RejectionReason; errors: FieldError[] };

/** Validates and normalises one event received at `now`, from HTTP or a source topic. */
export const acceptEvent = (raw: unknown, now: Date, expectedType?: EventType): Acceptance => {
  const result = validateInputEvent(raw, now);
  if (!result.ok) return { ok: false, reason: 'invalid_event', errors: result.errors };
  if (expectedType !== undefined && result.value.type !== expectedType) {
    return {
      ok: false,
      reason: 'wrong_topic',
      errors: [{ path: 'type', message: `"${result.value.type}" on the topic for "${expectedType}" events` }],
    };
  }
  return { ok: true, event: toCustomerEvent(result.value, now) };
};

/** Decodes a source-topic message (JSON bytes) and accepts it. */
export const acceptSourceMessage = (bytes: Buffer | null, expectedType: EventType, now: Date): Acceptance => {
  let raw: unknown;
  try {
    raw = JSON.parse((bytes ?? Buffer.alloc(0)).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'invalid_json', errors: [{ path: '', message: (error as Error).message }] };
  }
  return acceptEvent(raw, now, expectedType);
};
