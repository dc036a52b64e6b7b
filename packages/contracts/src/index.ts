export * from './issues.js';
export * from './events.js';
export * from './rules.js';
export * from './segments.js';
export * from './membership.js';
export * from './profile.js';
export * from './api.js';
export * from './json-schemas.js';
