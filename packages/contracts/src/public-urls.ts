import type { SchemaName } from './json-schemas.js';

/**
 * The base URL the checked-in JSON Schemas and AsyncAPI document are written for: what
 * `pnpm start` serves with the default PORT and no SEGFLOW_PUBLIC_URL. A deployment
 * serves the same documents under its own base.
 */
export const DEFAULT_PUBLIC_URL = 'http://localhost:3000';

/** Where a deployment reached at `publicUrl` serves the JSON Schema `name`; also its `$id`. */
export const schemaUrl = (publicUrl: string, name: SchemaName): string => `${publicUrl}/schemas/${name}.json`;

/** Where a deployment serves its AsyncAPI document. */
export const asyncApiUrl = (publicUrl: string): string => `${publicUrl}/docs/asyncapi.json`;

/**
 * The `source` and `dataschema` of the membership CloudEvents a deployment reached at
 * `publicUrl` publishes: its segments collection (one source per deployment, so that
 * consumers can tell deployments apart and route on it) and the served schema of `data`.
 */
export const membershipEventOrigin = (publicUrl: string): { source: string; dataschema: string } => ({
  source: `${publicUrl}/v1/segments`,
  dataschema: schemaUrl(publicUrl, 'membership-event-data'),
});
