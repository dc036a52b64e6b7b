import { describe, expect, it } from 'vitest';
import { startWorkLoop } from './work-loop.js';

describe('work loop', () => {
  it('goes again at once while there is more work, pauses when there is none, and wakes early', async () => {
    const steps: number[] = [];
    let backlog = 3;
    const warnings: string[] = [];
    const loop = startWorkLoop({
      step: async () => {
        steps.push(Date.now());
        if (backlog === 2) {
          backlog -= 1;
          throw new Error('transient');
        }
        backlog = Math.max(0, backlog - 1);
        return backlog > 0;
      },
      idleMs: 60_000,
      log: { warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') },
      failure: 'step failed; retrying',
    });
    await new Promise((r) => setTimeout(r, 50));
    // 3 → 2 (more), 2 throws (pause), nothing else within the minute-long pause
    expect(steps).toHaveLength(2);
    expect(warnings).toEqual(['step failed; retrying']);
    loop.wake();
    await new Promise((r) => setTimeout(r, 50));
    expect(steps).toHaveLength(3); // woken: 1 → 0, then pauses again
    await loop.stop();
    expect(steps).toHaveLength(3);
  });
});
