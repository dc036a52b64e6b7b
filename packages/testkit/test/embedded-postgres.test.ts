import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ensureEmbeddedPostgres, isPortOpen } from '../src/index.js';

const query = async (url: string, text: string): Promise<unknown[]> => {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
};

describe('embedded Postgres', () => {
  it('starts a real Postgres in the cache folder, reuses one that answers, and keeps its data across restarts', async ({ onTestFinished }) => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'segflow-embedded-'));
    // Run as root, the server runs as the postgres user, which must reach the folder.
    await chmod(cacheDir, 0o755);
    onTestFinished(() => rm(cacheDir, { recursive: true, force: true }));
    const port = 54_000 + Math.floor(Math.random() * 900);
    const lines: string[] = [];
    const log = (line: string) => void lines.push(line);

    const first = await ensureEmbeddedPostgres({ port, cacheDir, log });
    onTestFinished(() => first.stop());
    expect(first.startedHere).toBe(true);
    expect(first.dataDir).toBe(join(cacheDir, 'postgres'));
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');

    const again = await ensureEmbeddedPostgres({ port, cacheDir, log });
    expect(again.startedHere).toBe(false);
    await again.stop(); // not its server: a no-op
    expect(await isPortOpen('127.0.0.1', port)).toBe(true);

    await first.stop();
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
    const restarted = await ensureEmbeddedPostgres({ port, cacheDir, log });
    onTestFinished(() => restarted.stop());
    expect(restarted.startedHere).toBe(true);
    expect(await query(restarted.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    expect(lines.filter((line) => line.includes('creating an embedded Postgres'))).toHaveLength(1);
  });
});
