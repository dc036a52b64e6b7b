import { EVENT_TYPES } from '@segflow/contracts';
import type { CustomerEvent } from '@segflow/contracts';
import type { ApplyBatch, OutboxPublisher } from '@segflow/db';
import { enqueueOutbox } from '@segflow/db';
import type { EventBus, OutgoingMessage } from '@segflow/kafka';
import { toDlqMessage } from '@segflow/kafka';
import { AppError } from '@segflow/observability';
import type { Logger, SegflowMetrics } from '@segflow/observability';
import { emptyProfile } from '@segflow/profile-model';
import type { ProfileLimits, ToBaseCurrency } from '@segflow/profile-model';
import { claimEventIds, lockProfiles, saveProfiles } from '../../data-access/profile.repository.js';
import { currentScoringModel } from '../../data-access/scoring-model.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';
import { applyEvents } from '../../domain/apply-events.js';
import { encodeProfileChange } from '../../domain/profile-change-message.js';
import { triageCustomerEvent } from '../../domain/triage.js';

export const PROFILE_OUTBOX = 'profile';

/**
 * Applies a batch of `customer-events.v1` inside the batch transaction: poison to the
 * DLQ (acknowledged before commit), eventId dedupe, profile upsert under row locks (an
 * identify merges the anonymous profile and leaves an alias; events for an alias count
 * for the customer it merged into), and one `profile-changes.v1` message per changed
 * customer (and per merged anonymous profile) through the outbox.
 */
export const applyCustomerEvents =
  (deps: {
    bus: EventBus;
    dlqTopic: string;
    profileChangesTopic: string;
    toBase: ToBaseCurrency;
    limits: ProfileLimits;
    now: () => Date;
    log: Logger;
    metrics: SegflowMetrics;
    /** The profile outbox's relay: the batch's changes are published right after commit under its lease (else by the relay). */
    outbox?: OutboxPublisher;
  }): ApplyBatch<ProfileDb> =>
  async (trx, messages) => {
    const now = deps.now();
    const events: CustomerEvent[] = [];
    const poison: OutgoingMessage[] = [];
    const seen = new Set<string>();
    const valid = new Map<string, number>();
    const dead = new Map<string, number>();
    for (const message of messages) {
      const result = triageCustomerEvent(message.value, deps.toBase);
      if (!result.ok) {
        poison.push(toDlqMessage(message, { reason: result.reason, errors: result.errors }, now));
        increment(dead, typeLabel(message.value));
        continue;
      }
      increment(valid, result.event.type);
      if (!seen.has(result.event.eventId)) {
        seen.add(result.event.eventId);
        events.push(result.event);
      }
    }
    const fresh = await claimEventIds(trx, events);
    const toApply = events.filter((e) => fresh.has(e.eventId));
    // The aliases of the batch's ids come with their rows: an id merged into a customer leaves an alias row.
    const locked = await lockProfiles(trx, toApply.flatMap((e) => (e.type === 'identify' ? [e.customerId, e.anonymousId] : [e.customerId])));
    // The model in force when the batch is processed: a change applies to events processed after it.
    const scoring = await currentScoringModel(trx);
    const { changed, changes, aliases, merges, conflicts } = applyEvents(locked.profiles, toApply, { now, toBase: deps.toBase, scoring, limits: deps.limits }, locked.aliases);
    // Each snapshot is serialised once: the same JSON is stored and published.
    const serialised = new Map(changed.map((state) => [state, JSON.stringify(state)]));
    const moved = await saveProfiles(
      trx,
      [...changed.map((state) => ({ state })), ...aliases.map((a) => ({ state: { ...emptyProfile(a.customerId, now), version: a.version }, mergedInto: a.mergedInto }))],
      locked.stored,
      serialised,
    );
    if (moved.length > 0) {
      throw new AppError('concurrent_merge', `${moved.length} profile(s) changed under the batch (merged or created by another partition's batch); retrying`, { retriable: true });
    }
    const leased = await enqueueOutbox(
      trx,
      PROFILE_OUTBOX,
      [...merges, ...changes].map((change) => ({ topic: deps.profileChangesTopic, key: change.customerId, value: encodeProfileChange(change, serialised) })),
      deps.outbox?.lease() ?? null,
    );
    if (conflicts > 0) deps.log.info({ conflicts }, 'identify events ignored: their anonymous id was merged into another customer already');
    if (poison.length > 0) {
      await deps.bus.publish(deps.dlqTopic, poison);
      deps.log.warn({ count: poison.length }, 'customer events sent to the DLQ');
    }
    deps.log.debug({ applied: toApply.length, duplicates: events.length - toApply.length, dlq: poison.length }, 'batch applied');
    const applied = new Map<string, number>();
    for (const event of toApply) increment(applied, event.type);
    // Counted after commit: a batch rolled back and retried must not count twice.
    return async () => {
      await deps.outbox?.publishLeased(leased);
      for (const [type, count] of valid) {
        deps.metrics.countEvents('profile', type, 'applied', applied.get(type) ?? 0);
        deps.metrics.countEvents('profile', type, 'duplicate', count - (applied.get(type) ?? 0));
      }
      for (const [type, count] of dead) deps.metrics.countEvents('profile', type, 'dlq', count);
    };
  };

const increment = (counts: Map<string, number>, key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);

// The `type` label of a dead-lettered message: its declared type when it is a known one,
// so that the label set stays bounded whatever producers send.
const typeLabel = (bytes: Buffer | null): string => {
  try {
    const type: unknown = (JSON.parse(bytes?.toString('utf8') ?? '') as { type?: unknown } | null)?.type;
    return (EVENT_TYPES as readonly unknown[]).includes(type) ? String(type) : 'unknown';
  } catch {
    return 'unknown';
  }
};
