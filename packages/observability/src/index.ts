export * from './logger.js';
export * from './app-error.js';
export * from './config.js';
export * from './metrics.js';
export * from './lag-status.js';
export * from './transient.js';
