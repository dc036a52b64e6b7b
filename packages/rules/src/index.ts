export * from './compile.js';
export { changedSources, fieldSources } from './fields.js';
export type { FieldValue, RuleEnvironment } from './fields.js';
