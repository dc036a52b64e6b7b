import { z } from 'zod';
import { CustomerEvent, EmailOpenEvent, InputEvent, PageViewEvent, PurchaseEvent, TraitsEvent } from './events.js';
import { RuleNode } from './rules.js';
import { Segment, SegmentInput } from './segments.js';
import { MembershipEvent } from './membership.js';
import { ProfileChange } from './profile-change.js';
import { ScoringModel } from './scoring-model.js';
import { ApiError } from './api.js';

const published = {
  'purchase-event': PurchaseEvent,
  'page-view-event': PageViewEvent,
  'email-open-event': EmailOpenEvent,
  'traits-event': TraitsEvent,
  'input-event': InputEvent,
  'customer-event': CustomerEvent,
  'profile-change': ProfileChange,
  'membership-event': MembershipEvent,
  'segment-input': SegmentInput,
  segment: Segment,
  rule: RuleNode,
  'api-error': ApiError,
  'scoring-model': ScoringModel,
} satisfies Record<string, z.ZodType>;

/** JSON Schema (draft 2020-12) of every published contract, by file stem. */
export const jsonSchemas = (): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(published).map(([name, schema]) => [name, z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })]),
  );
