import { CLOUDEVENTS_CONTENT_TYPE, ProfileChange, validate } from '@segflow/contracts';
import type { ApplyBatch } from '@segflow/db';
import { enqueueOutbox } from '@segflow/db';
import type { EventBus, OutgoingMessage } from '@segflow/kafka';
import { toDlqMessage } from '@segflow/kafka';
import type { Logger } from '@segflow/observability';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import {
  compareAndSetMemberships,
  loadMemberships,
  lockCustomerProfiles,
  saveCustomerProfiles,
} from '../../data-access/membership.repository.js';
import { lockEnabledSegments } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { MembershipDecision, segmentCompiler } from '../../domain/decide.js';
import { decideMemberships, toMembershipEvent } from '../../domain/decide.js';
import { cacheEntries } from '../cache-entries.js';

export const SEGMENT_OUTBOX = 'segment';

/**
 * Evaluates the segments against each customer's newest profile in the batch and
 * writes the membership flips by compare-and-set, with their CloudEvents in the outbox,
 * in the batch transaction. A snapshot no newer than the stored one (a replay) is
 * skipped. The Redis read model is updated after commit.
 */
export const applyProfileChanges =
  (deps: {
    bus: EventBus;
    dlqTopic: string;
    membershipTopic: string;
    compile: ReturnType<typeof segmentCompiler>;
    cache: MembershipCache;
    now: () => Date;
    log: Logger;
  }): ApplyBatch<SegmentDb> =>
  async (trx, messages) => {
    const now = deps.now();
    const latest = new Map<string, ProfileChange>();
    const poison: OutgoingMessage[] = [];
    for (const message of messages) {
      let raw: unknown;
      try {
        raw = JSON.parse(message.value?.toString('utf8') ?? '');
      } catch (error) {
        poison.push(toDlqMessage(message, { reason: 'invalid_profile_change', errors: [{ path: '', message: (error as Error).message }] }, now));
        continue;
      }
      const parsed = validate(ProfileChange, raw);
      if (!parsed.ok) {
        poison.push(toDlqMessage(message, { reason: 'invalid_profile_change', errors: parsed.errors }, now));
        continue;
      }
      const previous = latest.get(parsed.value.customerId);
      if (!previous || previous.version < parsed.value.version) latest.set(parsed.value.customerId, parsed.value);
    }

    const stored = await lockCustomerProfiles(trx, [...latest.keys()]);
    const newer = [...latest.values()].filter((c) => (stored.get(c.customerId)?.version ?? -1) < c.version);
    const segments = (await lockEnabledSegments(trx)).map(deps.compile);
    const memberships = await loadMemberships(trx, newer.map((c) => c.customerId));

    const decisions: MembershipDecision[] = newer.flatMap((change) =>
      decideMemberships(segments, stored.get(change.customerId) ?? null, change.profile, memberships.get(change.customerId) ?? new Map()),
    );
    const won = await compareAndSetMemberships(trx, decisions, now);
    const changeOf = new Map(newer.map((c) => [c.customerId, c]));
    await enqueueOutbox(
      trx,
      SEGMENT_OUTBOX,
      won.map((decision) => {
        const cause = changeOf.get(decision.customerId)!;
        const event = toMembershipEvent(decision, {
          reason: 'event',
          decidedAt: now,
          causationEventId: cause.causationEventId,
          eventTime: cause.eventTime,
          profileVersion: cause.version,
        });
        return { topic: deps.membershipTopic, key: decision.customerId, value: JSON.stringify(event), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } };
      }),
    );
    await saveCustomerProfiles(trx, newer.map((c) => c.profile), now);
    if (poison.length > 0) {
      await deps.bus.publish(deps.dlqTopic, poison);
      deps.log.warn({ count: poison.length }, 'profile changes sent to the DLQ');
    }

    const entries = cacheEntries(won, now);
    for (const change of newer) if (!entries.has(change.customerId)) entries.set(change.customerId, []);
    return async () => {
      // The cache is best effort: Postgres has committed, and reads fall back to it.
      await deps.cache.recordChanges(entries, now).catch((err: unknown) => deps.log.warn({ err }, 'membership cache write failed'));
    };
  };
