import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ensureDatabase } from '@segflow/db';
import { createTestDatabase, uniqueName } from '../src/index.js';

const adminUrl = inject('databaseUrl');

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('test databases', () => {
  it('creates a database that accepts connections and drops it even while connected', async () => {
    const db = await createTestDatabase(adminUrl);
    expect(db.name).toMatch(/^segflow_test_[0-9a-f]{8}$/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    client.on('error', () => undefined); // drop() terminates this connection
    const current = await client.query<{ name: string }>('SELECT current_database() AS name');
    expect(current.rows[0]?.name).toBe(db.name);

    await db.drop();

    expect(await databaseExists(db.name)).toBe(false);
    await client.end().catch(() => undefined);
  });

  it('ensureDatabase creates a missing database and tolerates repeated and concurrent calls', async () => {
    const name = `segflow_ensure_${uniqueName('x').slice(2)}`;
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      await Promise.all([ensureDatabase(url.toString()), ensureDatabase(url.toString())]);
      await ensureDatabase(url.toString());
      expect(await databaseExists(name)).toBe(true);
    } finally {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
      await client.end();
    }
  });

  it('uniqueName appends 8 hex characters', () => {
    expect(uniqueName('orders')).toMatch(/^orders-[0-9a-f]{8}$/);
    expect(uniqueName('a')).not.toBe(uniqueName('a'));
  });
});
