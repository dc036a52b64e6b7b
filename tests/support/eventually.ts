/**
 * Polls `probe` until it returns a value that `accept` approves, or fails after
 * `timeoutMs` with the last value seen: pipelines are asynchronous, sleeps are guesses.
 */
export const eventually = async <T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(
    `timed out waiting for ${options.what ?? 'a condition'}; last value: ${JSON.stringify(last, printable)}` +
      (lastError ? `; last error: ${String(lastError)}` : ''),
  );
};

// A client answer's Response shows as its status, which JSON.stringify would print as {}.
const printable = (_key: string, value: unknown) =>
  typeof value === 'bigint' ? value.toString() : value instanceof Response ? { status: value.status, url: value.url } : value;
