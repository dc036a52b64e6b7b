import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Postgres server of a test's own, which the test may stop and start. */
export interface PrivatePostgres {
  /** Superuser `postgres`, database `postgres`, trust authentication, on 127.0.0.1. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: sessions are ended). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it if running and deletes its data. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Creates and starts a throwaway Postgres cluster with the machine's `initdb` and `pg_ctl`
 * (from `PG_BIN`, else the newest /usr/lib/postgresql/<version>/bin), in a temporary
 * directory, on a free port: for tests that stop the database, which must not stop the
 * shared one. Postgres refuses to run as root, so as root the server runs as the `postgres`
 * user.
 */
export async function startPrivatePostgres(env: Record<string, string | undefined> = process.env): Promise<PrivatePostgres> {
  const bin = postgresBinDir(env);
  const owner = process.getuid?.() === 0 ? await userIds('postgres') : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'segflow-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', ...args], { ...as, cwd: dir });

  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], { ...as, cwd: dir });
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const start = async (): Promise<void> => {
    await pgCtl('-l', join(dir, 'server.log'), '-o', options, 'start');
    running = true;
  };
  const stop = async (): Promise<void> => {
    await pgCtl('-m', 'fast', 'stop');
    running = false;
  };
  await start();
  let destroyed: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    destroy: () =>
      (destroyed ??= (async () => {
        if (running) await stop().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

function postgresBinDir(env: Record<string, string | undefined>): string {
  if (env.PG_BIN) return env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no initdb found under ${root}: install the Postgres server binaries or set PG_BIN`);
  return join(root, newest, 'bin');
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
