import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

/** The OpenAPI document the client is generated from (`pnpm openapi` writes it). */
export const OPENAPI_DOCUMENT = fileURLToPath(new URL('../../contracts/openapi.json', import.meta.url));
/** Where the generated types live (`pnpm client` writes them). */
export const TYPES_FILE = fileURLToPath(new URL('./openapi.ts', import.meta.url));

const HEADER = "// Generated from segflow's OpenAPI document by `pnpm client`: do not edit.\n\n";

/** The TypeScript types of `document`'s paths, operations and components, as openapi-fetch reads them. */
export const clientTypes = async (document: object): Promise<string> =>
  HEADER + astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
