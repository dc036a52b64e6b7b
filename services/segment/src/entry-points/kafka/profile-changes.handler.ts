import { ProfileChangeEnvelope, validate } from '@segflow/contracts';
import type { ProfileChange } from '@segflow/contracts';
import type { ProfileErased, ProfileMerged, ProfileUpdated } from '@segflow/contracts';
import type { ApplyBatch, LeasedRow, OutboxPublisher } from '@segflow/db';
import { currentRfmQuintiles } from '@segflow/db';
import type { BusMessage, EventBus, OutgoingMessage } from '@segflow/kafka';
import { toDlqMessage } from '@segflow/kafka';
import type { Logger, SegflowMetrics } from '@segflow/observability';
import type { Evaluation, MembershipCause, MembershipDecisions } from '../../application/evaluate-memberships.js';
import { eraseCustomers, lockCustomerProfiles, saveCustomerProfiles } from '../../data-access/membership.repository.js';
import { lockEnabledSegments } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { MembershipDecision, segmentCompiler } from '../../domain/decide.js';
import { segmentIndex } from '../../domain/decide.js';

/**
 * Per customer, what a batch asks for: an erasure or a merge into another customer (both
 * forget the customer), and/or the newest snapshot after it, with the newest version that
 * folded another profile in (its flips carry reason `merged`).
 */
interface CustomerWork {
  erased: ProfileErased | ProfileMerged | null;
  latest: ProfileUpdated | null;
  mergedVersion: number;
}

const decode = (message: BusMessage, now: Date): { ok: true; change: ProfileChange } | { ok: false; dlq: OutgoingMessage } => {
  let raw: unknown;
  try {
    raw = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch (error) {
    return { ok: false, dlq: toDlqMessage(message, { reason: 'invalid_profile_change', errors: [{ path: '', message: (error as Error).message }] }, now) };
  }
  const parsed = validate(ProfileChangeEnvelope, raw);
  return parsed.ok ? { ok: true, change: parsed.value } : { ok: false, dlq: toDlqMessage(message, { reason: 'invalid_profile_change', errors: parsed.errors }, now) };
};

/**
 * Evaluates the segments against each customer's newest profile in the batch and
 * writes the membership flips by compare-and-set, with their CloudEvents in the outbox,
 * in the batch transaction. A snapshot no newer than the stored one (a replay) is
 * skipped; an erasure exits every membership and forgets the customer (and the ids merged
 * into it), a merge into another customer does the same with reason `merged`, and the
 * customer merged into is evaluated with reason `merged`. The Redis read model is updated
 * after commit.
 */
export const applyProfileChanges =
  (deps: {
    bus: EventBus;
    dlqTopic: string;
    decisions: MembershipDecisions;
    compile: ReturnType<typeof segmentCompiler>;
    now: () => Date;
    log: Logger;
    metrics: Pick<SegflowMetrics, 'countEvents'>;
    /** The segment outbox's relay: the batch's announcements are published right after commit under its lease (else by the relay). */
    outbox?: OutboxPublisher;
  }): ApplyBatch<SegmentDb> =>
  async (trx, messages) => {
    const now = deps.now();
    const lease = deps.outbox?.lease() ?? null;
    const leased: LeasedRow[] = [];
    const work = new Map<string, CustomerWork>();
    const poison: OutgoingMessage[] = [];
    const changes: ProfileChange[] = [];
    for (const message of messages) {
      const decoded = decode(message, now);
      if (!decoded.ok) {
        poison.push(decoded.dlq);
        continue;
      }
      const { change } = decoded;
      changes.push(change);
      const entry = work.get(change.customerId) ?? { erased: null, latest: null, mergedVersion: -1 };
      if (change.kind !== 'updated') {
        entry.erased = change;
        entry.latest = null; // snapshots before the erasure (or merge) are gone with it
        entry.mergedVersion = -1;
      } else {
        if (!entry.latest || entry.latest.version < change.version) entry.latest = change;
        if (change.reason === 'merged') entry.mergedVersion = Math.max(entry.mergedVersion, change.version);
      }
      work.set(change.customerId, entry);
      // The ids merged into an erased customer go with it.
      if (change.kind === 'erased') for (const id of change.merged ?? []) work.set(id, { erased: change, latest: null, mergedVersion: -1 });
    }

    const env = { rfmQuintiles: await currentRfmQuintiles(trx) };
    const segments = (await lockEnabledSegments(trx)).map((segment) => deps.compile(segment, env));
    const goneAs = (kind: 'erased' | 'merged') => [...work].filter(([, w]) => w.erased?.kind === kind).map(([id]) => id);
    const erasedIds = [...goneAs('erased'), ...goneAs('merged')];
    const erasures = [...(await eraseCustomers(trx, goneAs('erased'), now, 'customer_erased')), ...(await eraseCustomers(trx, goneAs('merged'), now, 'merged'))];
    const goneCause = (id: string): MembershipCause => {
      const gone = work.get(id)?.erased;
      return gone?.kind === 'merged'
        ? { causationEventId: gone.causationEventId, eventTime: gone.eventTime, profileVersion: null }
        : { causationEventId: null, eventTime: gone?.erasedAt ?? null, profileVersion: null };
    };
    for (const [kind, reason] of [['erased', 'customer_erased'], ['merged', 'merged']] as const) {
      const exits = erasures.filter((d) => work.get(d.customerId)?.erased?.kind === kind);
      if (exits.length > 0) leased.push(...(await deps.decisions.announce(trx, exits, reason, now, goneCause, lease)));
    }

    const updates = [...work.values()].flatMap((w) => (w.latest ? [w.latest] : []));
    const stored = await lockCustomerProfiles(trx, updates.map((c) => c.customerId));
    const newer = updates.filter((c) => (stored.get(c.customerId)?.profile.version ?? -1) < c.version);
    const index = segmentIndex(segments);
    const candidate = (change: ProfileUpdated): Evaluation['customers'][number] => {
      const before = stored.get(change.customerId) ?? null;
      return {
        profile: change.profile,
        before,
        // Only segments reading what changed are evaluated; time-driven flips are the scheduler's,
        // and the unaffected segments' flip instants did not move, so the stored one stays valid.
        segments: index.affectedBy(before?.profile ?? null, change.profile),
        scheduled: before?.nextEvaluationAt ?? null,
        cause: { causationEventId: change.causationEventId, eventTime: change.eventTime, profileVersion: change.version, receivedAt: change.receivedAt },
      };
    };
    // A snapshot that folded in another profile since the stored one is a merge; the rest are events.
    const mergedNow = (change: ProfileUpdated) => work.get(change.customerId)!.mergedVersion > (stored.get(change.customerId)?.profile.version ?? -1);
    const won: MembershipDecision[] = [];
    const nextEvaluationAt = new Map<string, number | null>();
    for (const [reason, group] of [['event', newer.filter((c) => !mergedNow(c))], ['merged', newer.filter(mergedNow)]] as const) {
      if (group.length === 0) continue;
      const outcome = await deps.decisions.evaluate(trx, { reason, now, customers: group.map(candidate), lease });
      won.push(...outcome.won);
      leased.push(...outcome.leased);
      for (const [id, at] of outcome.nextEvaluationAt) nextEvaluationAt.set(id, at);
    }
    await saveCustomerProfiles(trx, newer.map((c) => ({ profile: c.profile, nextEvaluationAt: nextEvaluationAt.get(c.customerId) ?? null })), now);
    if (poison.length > 0) {
      await deps.bus.publish(deps.dlqTopic, poison);
      deps.log.warn({ count: poison.length }, 'profile changes sent to the DLQ');
    }

    // A snapshot no newer than the stored one is a replay; an older one in the same batch is folded into the newest.
    const outcomes = { applied: new Map<string, number>(), duplicate: new Map<string, number>() };
    for (const change of changes) {
      const replay = change.kind === 'updated' && change.version <= (stored.get(change.customerId)?.profile.version ?? -1);
      const counts = replay ? outcomes.duplicate : outcomes.applied;
      counts.set(change.kind, (counts.get(change.kind) ?? 0) + 1);
    }

    return async () => {
      await deps.outbox?.publishLeased(leased);
      // Counted after commit: a batch rolled back and retried must not count twice.
      for (const [kind, count] of outcomes.applied) deps.metrics.countEvents('segment', `profile_${kind}`, 'applied', count);
      for (const [kind, count] of outcomes.duplicate) deps.metrics.countEvents('segment', `profile_${kind}`, 'duplicate', count);
      if (poison.length > 0) deps.metrics.countEvents('segment', 'invalid', 'dlq', poison.length);
      await deps.decisions.afterCommit(won, now, { forget: erasedIds, touched: newer.map((c) => c.customerId) });
    };
  };
