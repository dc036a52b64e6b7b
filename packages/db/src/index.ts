export * from './database.js';
export * from './migrate.js';
export * from './shared-migrations.js';
export * from './tables.js';
export * from './transactional-batch.js';
export * from './outbox.js';
export * from './rfm-quintiles.js';
