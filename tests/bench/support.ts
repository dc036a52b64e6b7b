import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { SingleBar, MultiBar, Presets } from 'cli-progress';

/** A progress bar on stderr for a long bench step. */
export const progress = (label: string, total: number) => {
  const bar = new SingleBar({ format: `${label.padEnd(28)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr }, Presets.shades_classic);
  bar.start(total, 0);
  return { update: (value: number) => bar.update(value), stop: () => bar.stop() };
};

/** Several bars on stderr, one per named line, each with its own (changing) total. */
export const progressLines = () => {
  const multi = new MultiBar({ format: '{label} [{bar}] {percentage}% | {value}/{total}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  const bars = new Map<string, ReturnType<MultiBar['create']>>();
  return {
    update: (label: string, value: number, total: number) => {
      let bar = bars.get(label);
      if (!bar) bars.set(label, (bar = multi.create(Math.max(total, 1), 0, { label: label.padEnd(28) })));
      bar.setTotal(Math.max(total, 1));
      bar.update(Math.min(value, Math.max(total, 1)), { label: label.padEnd(28) });
    },
    stop: () => multi.stop(),
  };
};

/** Polls `count` until it reaches `total`, driving a progress bar; returns elapsed ms. */
export const timeUntil = async (label: string, total: number, count: () => Promise<number>, startedAt = performance.now()): Promise<number> => {
  const bar = progress(label, total);
  for (;;) {
    const done = await count();
    bar.update(Math.min(done, total));
    if (done >= total) break;
    await sleep(100);
  }
  bar.stop();
  return performance.now() - startedAt;
};

/** Resident set size of this process, or of a live process by pid, in MiB. */
export const rssMiB = (pid?: number): number | null => {
  if (pid === undefined) return Math.round(process.memoryUsage().rss / 1024 / 1024);
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
};

/** Resets the peak resident set size (VmHWM) of this process, or of a child, to its current size (Linux: clear_refs 5). */
export const resetPeakRss = (pid: number | 'self' = 'self'): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** Peak resident set size (VmHWM) of a live process, in MiB; null once it is gone. */
export const peakRssMiB = (pid: number): number | null => {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
};

// Linux reports process times in clock ticks; USER_HZ is 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) a live process has used, in seconds; null once it is gone. */
export const cpuSecondsOf = (pid: number): number | null => {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
};

/**
 * CPU time (user + system, in seconds) of the whole machine, and of the processes whose
 * command is `command` (e.g. `java` for a local Kafka broker), summed: a process that ends
 * in between takes its CPU time with it.
 */
export const machineCpuSeconds = (command: string): { total: number; ofCommand: number } => {
  // /proc/stat's first line: user nice system idle iowait irq softirq steal …; idle, iowait and steal are not this machine's work.
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  let ofCommand = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) ofCommand += cpuSecondsOf(Number(entry)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return { total: (user! + nice! + system! + irq! + softirq!) / TICKS_PER_SECOND, ofCommand };
};

/** CPU time (user + system) this process has used since `since`, in microseconds. */
export const cpuMicrosSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentiles of `values` (ms), and the max. */
export const percentiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? NaN };
};

export const int = (n: number) => Math.round(n).toLocaleString('en');
export const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

/** Prints label/value rows as an aligned table, then the figures as one JSON line to compare runs by. */
export const printSummary = (title: string, rows: [string, string][], figures: Record<string, unknown>) => {
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${title}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
  console.log(`BENCH_JSON ${JSON.stringify(figures)}`);
};

const gitCommit = (): string | null => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

/** The run's code and machine: commit, cores, and the 1-minute load average at the start and now (others' work shows there). */
export const machine = (() => {
  const atStart = loadavg()[0]!;
  return () => ({ commit: gitCommit(), cores: availableParallelism(), loadAtStart: Number(atStart.toFixed(2)), loadAtEnd: Number(loadavg()[0]!.toFixed(2)) });
})();
export const describeMachine = (m: ReturnType<typeof machine>) => `commit ${m.commit ?? '?'}, ${m.cores} cores, 1-min load average ${m.loadAtStart} at start, ${m.loadAtEnd} at end`;
