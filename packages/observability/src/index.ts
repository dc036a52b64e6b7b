export * from './logger.js';
export * from './app-error.js';
export * from './config.js';
