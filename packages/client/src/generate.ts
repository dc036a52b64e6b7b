import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

/** The OpenAPI document the client is generated from (`pnpm openapi` writes it). */
export const OPENAPI_DOCUMENT = fileURLToPath(new URL('../../contracts/openapi.json', import.meta.url));
/** Where the generated types live (`pnpm client` writes them). */
export const TYPES_FILE = fileURLToPath(new URL('./openapi.ts', import.meta.url));

const HEADER = "// Generated from segflow's OpenAPI document by `pnpm client`: do not edit.\n\n";

/** The TypeScript types of `document`'s paths, operations and components, as openapi-fetch reads them. */
export const clientTypes = async (document: object): Promise<string> =>
  // A property with a default is optional where the document says so: request bodies share
  // their component schemas, and openapi-typescript would otherwise require `description` or
  // `enabled` of every new segment. Answers list such properties as required themselves.
  HEADER + astToString(await openapiTS(document as Parameters<typeof openapiTS>[0], { defaultNonNullable: false }));
