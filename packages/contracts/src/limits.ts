import { z } from 'zod';

/**
 * Every bound on input, in one place (DESIGN §2 "Limits"). HTTP and Kafka input are
 * validated by the same schemas, so whatever passes them can be stored in Postgres
 * (no U+0000, no lone surrogates), serialised as JSON (finite numbers), published to
 * Kafka (bounded sizes) and read back through the API (ids fit a URL path).
 */
export const LIMITS = {
  /** eventId, customerId, orderId, campaignId…: UTF-16 code units. */
  idLength: 128,
  /** Names of categories, campaigns, interests, trait keys. */
  labelLength: 128,
  /** Free text such as names and cities. */
  textLength: 256,
  urlLength: 2048,
  /** Largest amount or item price, in any currency. */
  amountMax: 1e9,
  quantityMax: 1e6,
  itemsPerPurchase: 1000,
  /** Rule trees: nesting of all/any/not, conditions and operators in all, serialised size. */
  ruleDepth: 16,
  ruleNodes: 500,
  ruleBytes: 64 * 1024,
  /** Events per `POST /v1/events` request. */
  eventsPerRequest: 1000,
  /** Bytes of one HTTP body. */
  bodyBytes: 1024 * 1024,
} as const;

// A well-formed UTF-16 string without U+0000: Postgres text and jsonb refuse NUL
// ("invalid byte sequence", "unsupported Unicode escape sequence") and lone surrogates.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const SAFE_TEXT = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
// Ids also exclude every control character (C0, DEL, C1): they travel in URLs, Kafka keys and logs.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SAFE_ID = /^(?:[^\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])+$/;

/** True when `text` can be stored in Postgres as text or inside jsonb. */
export const isSafeText = (text: string): boolean => SAFE_TEXT.test(text);

/** A string of `min`..`max` code units that Postgres and JSON accept. */
export const safeText = (max: number, min = 0) =>
  z.string().min(min).max(max).regex(SAFE_TEXT, 'must not contain U+0000 or unpaired surrogates');

/** An identifier: 1..128 code units, no control characters, no unpaired surrogates. */
export const Identifier = z
  .string()
  .min(1)
  .max(LIMITS.idLength)
  .regex(SAFE_ID, 'must not contain control characters or unpaired surrogates');

/** A non-negative amount of money, finite and at most `LIMITS.amountMax`. */
export const Amount = z.number().nonnegative().max(LIMITS.amountMax);

/** Depth and node count of a rule tree, walked without recursion so a hostile tree cannot overflow the stack. */
export const ruleShape = (rule: unknown): { depth: number; nodes: number } => {
  let depth = 0;
  let nodes = 0;
  const stack: [unknown, number][] = [[rule, 1]];
  while (stack.length > 0) {
    const [node, level] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    nodes += 1;
    depth = Math.max(depth, level);
    // Stop early: the caller rejects the tree anyway, and the walk stays bounded.
    if (nodes > LIMITS.ruleNodes || depth > LIMITS.ruleDepth) break;
    const { all, any, not } = node as { all?: unknown; any?: unknown; not?: unknown };
    for (const children of [all, any]) if (Array.isArray(children)) for (const child of children) stack.push([child, level + 1]);
    if (not !== undefined) stack.push([not, level + 1]);
  }
  return { depth, nodes };
};

/** Why a rule is too big to accept, or null when it is within `LIMITS`. */
export const ruleTooBig = (rule: unknown): string | null => {
  const { depth, nodes } = ruleShape(rule);
  if (depth > LIMITS.ruleDepth) return `rules may nest at most ${LIMITS.ruleDepth} levels deep`;
  if (nodes > LIMITS.ruleNodes) return `rules may hold at most ${LIMITS.ruleNodes} nodes`;
  const bytes = Buffer.byteLength(JSON.stringify(rule) ?? '');
  if (bytes > LIMITS.ruleBytes) return `rules may take at most ${LIMITS.ruleBytes} bytes as JSON (this one takes ${bytes})`;
  return null;
};
