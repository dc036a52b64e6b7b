import type { Logger } from '@segflow/observability';

/** A background loop started by startWorkLoop. */
export interface WorkLoop {
  /** Runs the next step now rather than after the pause. */
  wake(): void;
  /** Ends the loop once the step in flight has settled. */
  stop(): Promise<void>;
}

/**
 * Runs `step` over and over: again at once while it reports more work waiting, else after
 * `idleMs` (or as soon as woken). A failing step is logged with `failure` and retried
 * after the pause, so one bad round never ends the loop.
 */
export const startWorkLoop = (options: { step: () => Promise<boolean>; idleMs: number; log: Pick<Logger, 'warn'>; failure: string }): WorkLoop => {
  let stopped = false;
  let wake: (() => void) | null = null;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.idleMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (wake = null));
  const running = (async () => {
    while (!stopped) {
      let more = false;
      try {
        more = await options.step();
      } catch (err) {
        options.log.warn({ err }, options.failure);
      }
      if (!more && !stopped) await pause();
    }
  })();
  return {
    wake: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
    },
  };
};
