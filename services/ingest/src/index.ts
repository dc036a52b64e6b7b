export { createIngestService } from './app.js';
export type { IngestDeps } from './app.js';
export { IngestConfig, ingestEnv } from './config.js';
