import type { TestProject } from 'vitest/node';
import { provideInfrastructure } from './infrastructure.js';
import './provided-context.js';

/**
 * Vitest globalSetup: provides kafkaBrokers, databaseUrl and redisUrl (see
 * provided-context.ts) and stops whatever it started after the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const infra = await provideInfrastructure({ log });
  log(
    `[infra] ${project.name}: source=${infra.source} kafka=${infra.kafkaBrokers.join(',')} ` +
      `postgres=${redact(infra.databaseUrl)} redis=${redact(infra.redisUrl)}`,
  );
  project.provide('kafkaBrokers', infra.kafkaBrokers);
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('redisUrl', infra.redisUrl);
  return () => infra.stop();
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
