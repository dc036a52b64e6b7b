import { describe, expect, it } from 'vitest';
import { shutdownInOrder } from './run.js';

const quietLog = () => {
  const errors: unknown[] = [];
  return { errors, log: { error: (fields: unknown) => void errors.push(fields) } };
};

describe('orderly shutdown', () => {
  it('runs every step in order and reports success', async () => {
    const ran: string[] = [];
    const step = (name: string) => ({ name, run: async () => void ran.push(name) });
    const { log } = quietLog();
    expect(await shutdownInOrder([step('http'), step('consumers'), step('pools')], 1_000, log)).toEqual({ ok: true, timedOut: false });
    expect(ran).toEqual(['http', 'consumers', 'pools']);
  });

  it('still closes the pools after a step failed, and reports the failure', async () => {
    const ran: string[] = [];
    const { errors, log } = quietLog();
    const result = await shutdownInOrder(
      [
        { name: 'consumers', run: async () => Promise.reject(new Error('broker gone')) },
        { name: 'pools', run: async () => void ran.push('pools') },
      ],
      1_000,
      log,
    );
    expect(result).toEqual({ ok: false, timedOut: false });
    expect(ran).toEqual(['pools']);
    expect(errors).toEqual([expect.objectContaining({ step: 'consumers' })]);
  });

  it('gives up at the bound, naming the step that hung', async () => {
    const { errors, log } = quietLog();
    const result = await shutdownInOrder([{ name: 'consumers', run: () => new Promise<void>(() => undefined) }], 50, log);
    expect(result).toEqual({ ok: false, timedOut: true });
    expect(errors).toEqual([expect.objectContaining({ step: 'consumers', timeoutMs: 50 })]);
  });
});
