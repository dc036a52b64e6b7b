import type { Migration } from 'kysely';
import { segments } from './0001-segments.js';
import { backfillJobs } from './0002-backfill-jobs.js';
import { evaluationSchedule } from './0003-evaluation-schedule.js';
import { sequenceFloor } from './0004-sequence-floor.js';
import { membershipHistory } from './0005-membership-history.js';
import { experiments } from './0006-experiments.js';
import { segmentResults } from './0007-segment-results.js';
import { historyIndex } from './0008-history-index.js';

/** The segment service's migrations, applied in name order at start. */
export const segmentMigrations: Record<string, Migration> = {
  '0001-segments': segments,
  '0002-backfill-jobs': backfillJobs,
  '0003-evaluation-schedule': evaluationSchedule,
  '0004-sequence-floor': sequenceFloor,
  '0005-membership-history': membershipHistory,
  '0006-experiments': experiments,
  '0007-segment-results': segmentResults,
  '0008-history-index': historyIndex,
};
