import { z } from 'zod';
import { CustomerEvent, EmailOpenEvent, IdentifyEvent, InputEvent, PageViewEvent, PurchaseEvent, TraitsEvent } from './events.js';
import { RuleNode } from './rules.js';
import { Segment, SegmentInput } from './segments.js';
import { MembershipEvent, MembershipEventData } from './membership.js';
import { ProfileChange } from './profile-change.js';
import { ScoringModel } from './scoring-model.js';
import { ApiError } from './api.js';
import { DEFAULT_PUBLIC_URL, schemaUrl } from './public-urls.js';

const published = {
  'purchase-event': PurchaseEvent,
  'page-view-event': PageViewEvent,
  'email-open-event': EmailOpenEvent,
  'traits-event': TraitsEvent,
  'identify-event': IdentifyEvent,
  'input-event': InputEvent,
  'customer-event': CustomerEvent,
  'profile-change': ProfileChange,
  'membership-event': MembershipEvent,
  'membership-event-data': MembershipEventData,
  'segment-input': SegmentInput,
  segment: Segment,
  rule: RuleNode,
  'api-error': ApiError,
  'scoring-model': ScoringModel,
} satisfies Record<string, z.ZodType>;

/** The file stem of a published JSON Schema: `membership-event` is served at `/schemas/membership-event.json`. */
export type SchemaName = keyof typeof published;
export const SCHEMA_NAMES = Object.keys(published) as SchemaName[];

/** A JSON Schema document as published: draft 2020-12, with an absolute `$id`. */
export type JsonSchemaDocument = { $schema: string; $id: string; title: string } & Record<string, unknown>;

// `page-view-event` → `PageViewEvent`: the name code generators give the type.
const titleOf = (name: string): string => name.replace(/(^|-)([a-z])/g, (_m, _dash: string, c: string) => c.toUpperCase());

/**
 * JSON Schema (draft 2020-12) of every published contract, by file stem, each with the
 * `$id` it is served under at `publicUrl` (see schemaUrl).
 */
export const jsonSchemas = (publicUrl: string = DEFAULT_PUBLIC_URL): Record<SchemaName, JsonSchemaDocument> => {
  const documents = {} as Record<SchemaName, JsonSchemaDocument>;
  for (const name of SCHEMA_NAMES) {
    const { $schema, ...schema } = z.toJSONSchema(published[name] as z.ZodType, { io: 'input', unrepresentable: 'any' });
    documents[name] = { $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema', $id: schemaUrl(publicUrl, name), title: titleOf(name), ...schema };
  }
  return documents;
};
