// Validators of the published contracts, for tests (`@segflow/contracts/checks`): the
// AsyncAPI parser, taught the JSON Schema 2020-12 payload format, and ajv for 2020-12.
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import type { Diagnostic, SchemaParser } from '@asyncapi/parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { JSON_SCHEMA_2020_12 } from './asyncapi.js';

/** ajv for draft 2020-12, strict, with the string formats (date-time, uri, email…) checked. */
export const jsonSchemaValidator = (): Ajv2020 => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv;
};

const compileError = (schema: unknown): string | null => {
  try {
    jsonSchemaValidator().compile(schema as object);
    return null;
  } catch (error) {
    return `not a valid JSON Schema 2020-12: ${(error as Error).message}`;
  }
};

// AsyncAPI 3.0 allows custom schema formats and leaves them to the tools: this one checks
// that each payload schema is valid 2020-12 by compiling it. The parser only calls `parse`
// for 3.x documents, where a throw becomes a diagnostic of error severity.
const jsonSchema2020: SchemaParser = {
  getMimeTypes: () => [JSON_SCHEMA_2020_12],
  validate: ({ data, path }) => {
    const error = compileError(data);
    return error === null ? [] : [{ message: error, path }];
  },
  parse: ({ data, path }) => {
    const error = compileError(data);
    if (error !== null) throw new Error(`${path.join('.')}: ${error}`);
    return data as object;
  },
};

export interface AsyncApiCheck {
  diagnostics: Diagnostic[];
  /** The diagnostics of error severity: what makes the document invalid. */
  errors: Diagnostic[];
}

/**
 * Parses and validates an AsyncAPI document with @asyncapi/parser, resolving each `$ref`
 * (the payload schemas' absolute URLs) with `read` when given, over HTTP otherwise.
 */
export const checkAsyncApi = async (document: unknown, read?: (url: string) => string | undefined): Promise<AsyncApiCheck> => {
  const resolvers = read ? [{ schema: 'http', read: (uri: { toString(): string }) => read(uri.toString()) }] : [];
  const parser = new Parser({ schemaParsers: [jsonSchema2020], __unstable: { resolver: { resolvers } } });
  const { diagnostics } = await parser.parse(JSON.stringify(document));
  return { diagnostics, errors: diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error) };
};
