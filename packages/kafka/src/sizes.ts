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
