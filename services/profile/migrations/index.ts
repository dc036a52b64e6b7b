import type { Migration } from 'kysely';
import { profiles } from './0001-profiles.js';
import { scoringModels } from './0002-scoring-models.js';
import { identityMerge } from './0003-identity-merge.js';

/** The profile service's migrations, applied in name order at start. */
export const profileMigrations: Record<string, Migration> = {
  '0001-profiles': profiles,
  '0002-scoring-models': scoringModels,
  '0003-identity-merge': identityMerge,
};
