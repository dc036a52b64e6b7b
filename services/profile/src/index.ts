export { createProfileService, migrateProfile } from './app.js';
export type { ProfileDeps } from './app.js';
export { ProfileConfig, profileEnv } from './config.js';
export type { ProfileDb } from './data-access/tables.js';
