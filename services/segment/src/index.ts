export { createSegmentService, DEFAULT_BACKFILL_PAGE_SIZE, migrateSegment } from './app.js';
export type { SegmentDeps } from './app.js';
export { SegmentConfig } from './config.js';
export { redisOptions } from './data-access/redis-options.js';
export type { SegmentDb } from './data-access/tables.js';
export { decideMemberships, segmentCompiler, segmentIndex } from './domain/decide.js';
