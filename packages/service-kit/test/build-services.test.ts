import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServices, builtEntry } from '../scripts/build-services.js';

describe('pnpm build', () => {
  it("bundles segflow's own code and leaves each installed package an import of a file that exists", async () => {
    await buildServices(['ingest']);
    const entry = builtEntry('ingest');
    const code = readFileSync(entry, 'utf8');
    // Static imports start a line (esbuild writes one per line); dynamic ones are import("…").
    const specifiers = [...code.matchAll(/^import (?:.* from )?"([^"\n]+)";$|\bimport\("([^"\n]+)"\)/gm)].map((m) => (m[1] ?? m[2])!);
    const packages = specifiers.filter((s) => !isBuiltin(s));
    expect(packages.length).toBeGreaterThan(5);
    // Relative, so the checkout (or the image's /app) can move; and present on disk.
    expect(packages.filter((s) => !s.startsWith('.'))).toEqual([]);
    expect(packages.filter((s) => !existsSync(resolve(dirname(entry), s)))).toEqual([]);
    expect(packages.some((s) => s.includes('/node_modules/kafkajs/'))).toBe(true);
    // segflow's packages are inside, not imported.
    expect(specifiers.filter((s) => s.includes('@segflow/') || s.includes('/packages/'))).toEqual([]);
  });
});
