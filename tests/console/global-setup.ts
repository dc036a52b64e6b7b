import { existsSync } from 'node:fs';
import { ensureConsoleBuilt } from '@segflow/console';

/** Debian's Chromium, which the browser tests drive (`.ci/run` installs it with apt when missing). */
export const CHROMIUM = '/usr/bin/chromium';

// The console's bundle, as `pnpm start` would build it, before any system serves it.
export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`the console tests drive ${CHROMIUM}: apt-get install -y chromium`);
  await ensureConsoleBuilt((line) => process.stdout.write(`${line}\n`));
}
