import { z } from 'zod';
import { Traits } from './events.js';

const activity = z.object({ count: z.number().int().nonnegative(), lastAt: z.iso.datetime().nullable() });

/** A customer's profile as the profile service keeps it and publishes it. */
export const ProfileSnapshot = z.object({
  customerId: z.string(),
  version: z.number().int().nonnegative(),
  traits: Traits,
  purchase: activity.extend({ total: z.number().nonnegative(), firstAt: z.iso.datetime().nullable() }),
  pageView: activity,
  emailOpen: activity,
  updatedAt: z.iso.datetime(),
});
export type ProfileSnapshot = z.infer<typeof ProfileSnapshot>;
