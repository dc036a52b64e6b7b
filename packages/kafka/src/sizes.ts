/**
 * Splits `items`, in order, into consecutive runs of at most `limit` by `sizeOf`; an item
 * larger than the limit runs alone. How publishes stay under the broker's request limit.
 */
export const runsOfSize = <T>(items: readonly T[], sizeOf: (item: T) => number, limit: number): T[][] => {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (run.length > 0 && bytes + size > limit) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
};

const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP']);

/**
 * The broker's refusal of the records themselves (too large, invalid), or a record that
 * cannot be encoded, as opposed to a refusal of the client (authorization, a closed bus):
 * only the first kind is about a message. Its type (or error name), else null.
 */
export const recordRefusal = (error: unknown, depth = 0): string | null => {
  if (typeof error !== 'object' || error === null || depth > 5) return null;
  const e = error as { type?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.type === 'string' && RECORD_REFUSALS.has(e.type)) return e.type;
  if (error instanceof TypeError || error instanceof RangeError) return error.name;
  return recordRefusal(e.cause, depth + 1) ?? recordRefusal(e.originalError, depth + 1);
};
