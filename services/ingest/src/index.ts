export { createIngestService } from './app.js';
export type { IngestDeps } from './app.js';
export { IngestConfig } from './config.js';
