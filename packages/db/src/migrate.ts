import { Migrator, sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * Runs `migrations` (name → migration, applied in name order) to the latest version,
 * tracked in a table of their own so that each service migrates independently.
 */
export const migrateToLatest = async (
  db: Kysely<unknown>,
  owner: string,
  migrations: Record<string, Migration>,
): Promise<void> => {
  // Named explicitly: kysely otherwise finds its table in any schema, and a namespace's
  // schema (see namespacedDatabaseUrl) would skip migrations another schema already ran.
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const migrator = new Migrator({
    db,
    migrationTableSchema: rows[0]?.schema ?? 'public',
    provider: { getMigrations: async () => migrations },
    migrationTableName: `kysely_migration_${owner}`,
    migrationLockTableName: `kysely_migration_lock_${owner}`,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migrations of ${owner} failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`, {
      cause: error,
    });
  }
};
