import type { ProfileChange } from '@segflow/contracts';
import type { ProfileState } from '@segflow/profile-model';

/**
 * A change as `profile-changes.v1` carries it (JSON). A snapshot serialised already, to
 * be stored, is spliced in as it is rather than serialised a second time: it is the
 * largest part of every message.
 */
export const encodeProfileChange = (change: ProfileChange, serialised: ReadonlyMap<ProfileState, string>): string => {
  const profileJson = change.kind === 'updated' ? serialised.get(change.profile) : undefined;
  if (change.kind !== 'updated' || profileJson === undefined) return JSON.stringify(change);
  const { profile: _profile, ...rest } = change;
  return `${JSON.stringify(rest).slice(0, -1)},"profile":${profileJson}}`;
};
