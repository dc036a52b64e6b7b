import { z } from 'zod';
import { ProfileState } from './profile.js';

/** A message on `profile-changes.v1`: the full snapshot after a change, keyed by customerId. */
export const ProfileUpdated = z.object({
  kind: z.literal('updated'),
  customerId: z.string(),
  version: z.number().int().positive(),
  profile: ProfileState,
  /** The last event applied in this change, and when it happened. */
  causationEventId: z.string(),
  eventTime: z.iso.datetime(),
  /** When segflow received that event (ingest's `receivedAt`): where pipeline latency is timed from. */
  receivedAt: z.iso.datetime().optional(),
  /** `merged` when the change folded another profile into this one (an identify): memberships it causes carry reason `merged`. */
  reason: z.literal('merged').optional(),
});
export type ProfileUpdated = z.infer<typeof ProfileUpdated>;

/** The customer was erased (GDPR): every membership exits with reason `customer_erased`. */
export const ProfileErased = z.object({
  kind: z.literal('erased'),
  customerId: z.string(),
  erasedAt: z.iso.datetime(),
  /** The ids that had been merged into the customer, erased with it. */
  merged: z.array(z.string()).optional(),
});
export type ProfileErased = z.infer<typeof ProfileErased>;

/**
 * The profile of `customerId` (an anonymous id) was merged into `into` by an identify
 * event: every membership exits with reason `merged` and the id is forgotten; `into`
 * follows as an `updated` change with reason `merged`.
 */
export const ProfileMerged = z.object({
  kind: z.literal('merged'),
  customerId: z.string(),
  into: z.string(),
  mergedAt: z.iso.datetime(),
  /** The identify event, and when it happened. */
  causationEventId: z.string(),
  eventTime: z.iso.datetime(),
});
export type ProfileMerged = z.infer<typeof ProfileMerged>;

export const ProfileChange = z.discriminatedUnion('kind', [ProfileUpdated, ProfileErased, ProfileMerged]);
export type ProfileChange = z.infer<typeof ProfileChange>;

/**
 * A profile change with only its envelope checked: the segment service reads the snapshot
 * that the profile service built from validated events, so checking every bucket of it
 * again on each hop costs more than it can catch. A snapshot that is malformed all the
 * same fails evaluation, and the consumer dead-letters that message.
 */
export const ProfileChangeEnvelope = z.discriminatedUnion('kind', [
  ProfileUpdated.extend({
    profile: z.custom<ProfileState>(
      (v) => typeof v === 'object' && v !== null && typeof (v as { customerId?: unknown }).customerId === 'string' && typeof (v as { version?: unknown }).version === 'number',
      'expected a profile snapshot',
    ),
  }),
  ProfileErased,
  ProfileMerged,
]);
