export * from './http-app.js';
export * from './base-config.js';
export * from './service.js';
export * from './health.js';
export * from './run.js';
