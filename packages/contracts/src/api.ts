import { z } from 'zod';

/** Every REST error: a stable code, a human message, and optional structured details. */
export const ApiError = z.object({
  error: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export const FieldErrorBody = z.object({ path: z.string(), message: z.string() });

/** `POST /v1/events` takes one event or a batch of up to 1000; each is validated on its own. */
export const MAX_EVENTS_PER_REQUEST = 1000;
export const EventsRequest = z.union([
  z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST) }),
  z.looseObject({ type: z.string() }),
]);

export const EventsResponse = z.object({
  accepted: z.number().int().nonnegative(),
  rejected: z.array(z.object({ index: z.number().int(), eventId: z.string().optional(), errors: z.array(FieldErrorBody) })),
});
export type EventsResponse = z.infer<typeof EventsResponse>;

/** What an API key may do (DESIGN §6); `*` grants every scope. */
export const ApiScope = z.enum(['events:write', 'customers:read', 'customers:erase', 'segments:read', 'segments:write', 'ops:read']);
export type ApiScope = z.infer<typeof ApiScope>;
