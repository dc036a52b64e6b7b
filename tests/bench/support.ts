import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on stderr for a long bench step. */
export const progress = (label: string, total: number) => {
  const bar = new SingleBar({ format: `${label.padEnd(28)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr }, Presets.shades_classic);
  bar.start(total, 0);
  return { update: (value: number) => bar.update(value), stop: () => bar.stop() };
};

/** Polls `count` until it reaches `total`, driving a progress bar; returns elapsed ms. */
export const timeUntil = async (label: string, total: number, count: () => Promise<number>, startedAt = performance.now()): Promise<number> => {
  const bar = progress(label, total);
  for (;;) {
    const done = await count();
    bar.update(Math.min(done, total));
    if (done >= total) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  bar.stop();
  return performance.now() - startedAt;
};

export const rssMiB = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
