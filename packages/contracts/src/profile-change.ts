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
});
export type ProfileUpdated = z.infer<typeof ProfileUpdated>;

/** The customer was erased (GDPR): every membership exits with reason `customer_erased`. */
export const ProfileErased = z.object({
  kind: z.literal('erased'),
  customerId: z.string(),
  erasedAt: z.iso.datetime(),
});
export type ProfileErased = z.infer<typeof ProfileErased>;

export const ProfileChange = z.discriminatedUnion('kind', [ProfileUpdated, ProfileErased]);
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
]);
