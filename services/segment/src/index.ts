export { createSegmentService, DEFAULT_BACKFILL_PAGE_SIZE, DEFAULT_HISTORY_RETENTION_DAYS, migrateSegment } from './app.js';
export type { SegmentDeps } from './app.js';
export { SegmentConfig, segmentEnv } from './config.js';
export { redisOptions } from './data-access/redis-options.js';
export type { SegmentDb } from './data-access/tables.js';
export { decideMemberships, segmentCompiler, segmentIndex } from './domain/decide.js';
export type { ActiveSegment } from './domain/decide.js';
export { planMemberships } from './domain/plan-memberships.js';
export { assignGroup, experimentPoint } from './domain/experiment.js';
