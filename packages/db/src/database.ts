import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

// int8 (bigint) columns hold Kafka offsets and sequences; read them as JS bigint
// rather than strings so arithmetic on them is exact and typed.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => BigInt(value));

/** A kysely instance over a pg pool. `destroy()` closes the pool. */
export const createDb = <DB>(url: string, options: { maxConnections?: number } = {}): Kysely<DB> => {
  const pool = new pg.Pool({ connectionString: withSessionSettings(url, SERVICE_SESSION_SETTINGS), max: options.maxConnections ?? 10 });
  // An idle connection whose server went away (a restart, a failover) is dropped by the
  // pool; unheard, the 'error' event would end the process. The next query reconnects,
  // or fails where a caller handles it.
  pool.on('error', () => undefined);
  // A client checked out between two queries (inside a transaction) emits 'error' itself when
  // its connection breaks; the next query on it fails and its caller handles that.
  pool.on('connect', (client) => void client.on('error', () => undefined));
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
};

/** The URL with server settings for its sessions (Postgres's `options`, kept beside any already there). */
export const withSessionSettings = (url: string, settings: Record<string, string>): string => {
  const target = new URL(url);
  const given = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  const options = target.searchParams.get('options');
  target.searchParams.set('options', [...(options === null ? [] : [options]), ...given].join(' '));
  return target.toString();
};

/**
 * JIT compilation off: segflow's statements are short and batched over unnest() arrays and
 * CTEs, whose row counts the planner cannot know. Estimates of millions of rows for a batch
 * of a thousand pushed statement costs over jit_above_cost, and compiling took seconds for
 * statements that run in milliseconds.
 */
export const SERVICE_SESSION_SETTINGS = { jit: 'off' } as const;

/**
 * Creates the database named in `url` when it does not exist, connecting to the
 * server's `postgres` database to do so. Safe to call from several processes at once.
 */
export const ensureDatabase = async (url: string): Promise<void> => {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '' || name === 'postgres') return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        // Created by a concurrent starter: 42P04 duplicate_database, or 23505 when both
        // CREATEs race into pg_database's unique index.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
};

/**
 * The URL under which a namespace's services use the database: Postgres's `search_path` set
 * to a schema named after the namespace, so that deployments sharing one database never
 * see each other's rows (SEGFLOW_NAMESPACE isolates topics, groups, Redis keys and this).
 * The empty namespace keeps the default schema.
 */
export const namespacedDatabaseUrl = (url: string, namespace: string): string => {
  if (namespace === '') return url;
  if (Buffer.byteLength(namespace) > 63) throw new Error(`SEGFLOW_NAMESPACE: at most 63 bytes, as a Postgres schema name (got ${namespace.length})`);
  const target = new URL(url);
  // The namespace holds only letters, digits, ".", "_" and "-": quoting it is enough.
  target.searchParams.set('options', `-c search_path="${namespace}"`);
  return target.toString();
};

/**
 * Makes sure the database of `url` exists, and the namespace's schema in it, and returns the
 * URL to connect with (see namespacedDatabaseUrl).
 */
export const prepareDatabase = async (url: string, namespace: string): Promise<string> => {
  await ensureDatabase(url);
  const namespaced = namespacedDatabaseUrl(url, namespace);
  if (namespaced === url) return url;
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(namespace)}`).catch((error: { code?: string }) => {
      // Two starters racing: 42P06 duplicate_schema, or 23505 on the catalog's unique index.
      if (error.code !== '42P06' && error.code !== '23505') throw error;
    });
  } finally {
    await client.end();
  }
  return namespaced;
};
