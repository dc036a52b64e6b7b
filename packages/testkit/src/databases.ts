import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** Same server and credentials as the admin URL, pointing at the new database. */
  url: string;
  name: string;
  /** Ends the database's connections and drops it. Idempotent. */
  drop(): Promise<void>;
}

/** `${prefix}-${8 random hex}`: for topics, group ids and other per-test names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Creates a fresh database named `${prefix}_${8 random hex}` on the server of adminUrl
 * (whose user must be allowed to CREATE DATABASE).
 */
export async function createTestDatabase(adminUrl: string, prefix = 'segflow_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => (dropped ??= dropDatabase(adminUrl, name)),
  };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const version = await client.query<{ v: string }>('SHOW server_version_num');
    if (Number(version.rows[0]?.v) >= 130_000) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      return;
    }
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}
