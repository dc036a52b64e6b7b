import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The console package's folder: its sources, `index.html`, and the `dist/` that `vite build` writes. */
export const CONSOLE_ROOT = join(import.meta.dirname, '..');
/** Where the built console is served from. */
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');

// What goes into the bundle: the console's own files and the workspace packages it imports.
const SOURCES = [
  join(CONSOLE_ROOT, 'src'),
  join(CONSOLE_ROOT, 'index.html'),
  join(CONSOLE_ROOT, 'vite.config.ts'),
  join(CONSOLE_ROOT, 'package.json'),
  join(CONSOLE_ROOT, '..', 'client', 'src'),
  join(CONSOLE_ROOT, '..', 'contracts', 'src'),
];

const newestMtime = async (path: string): Promise<number> => {
  const info = await stat(path).catch(() => null);
  if (info === null) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.filter((e) => !e.endsWith('.test.ts')).map((e) => newestMtime(join(path, e))));
  return Math.max(info.mtimeMs, ...times);
};

/** True when `dist/index.html` is missing or older than any source of the bundle. */
export const consoleIsStale = async (dist = CONSOLE_DIST): Promise<boolean> => {
  const built = await stat(join(dist, 'index.html')).catch(() => null);
  if (built === null) return true;
  const sources = await Promise.all(SOURCES.map(newestMtime));
  return Math.max(...sources) > built.mtimeMs;
};

const viteBin = (): string => {
  const require = createRequire(join(CONSOLE_ROOT, 'package.json'));
  return join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
};

/**
 * Runs `vite build` for the console into a folder of its own, then puts it in place of
 * `dist/`, so that a server reading `dist/` meanwhile (or a second build racing this one)
 * never sees half a bundle. Rejects with vite's output when the build fails.
 */
export const buildConsole = async (dist = CONSOLE_DIST): Promise<void> => {
  const staging = `${dist}.${process.pid}.${Date.now()}`;
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin(), 'build', '--outDir', staging, '--emptyOutDir'], { cwd: CONSOLE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`vite build of the console failed (exit ${code}):\n${output.join('')}`);
  }
  await rm(dist, { recursive: true, force: true });
  await rename(staging, dist).catch(async (err: NodeJS.ErrnoException) => {
    // Another build put its bundle in place first: the same sources, so keep that one.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(dist, 'index.html'))) throw err;
  });
};

/** Builds the console when its bundle is missing or older than its sources; says so through `log`. */
export const ensureConsoleBuilt = async (log: (line: string) => void = () => undefined, dist = CONSOLE_DIST): Promise<'built' | 'up to date'> => {
  if (!(await consoleIsStale(dist))) return 'up to date';
  log('building the console (vite build)');
  const started = Date.now();
  await buildConsole(dist);
  log(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'built';
};
