// Builds each service's entry point into one JavaScript file, services/<name>/dist/main.js,
// so that node runs it without tsx, whose module hooks run in a thread of their own (a
// service started at 189–197 MiB of RSS under tsx, at 132–137 built). Only segflow's own
// code is bundled: third-party packages stay imports of the files node itself would load,
// so they find their own files as before.
//   pnpm build [all ingest profile segment]
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

export const SERVICES = ['all', 'ingest', 'profile', 'segment'] as const;
export type ServiceName = (typeof SERVICES)[number];

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const builtEntry = (service: ServiceName) => `${ROOT}services/${service}/dist/main.js`;

const RESOLVING = Symbol('resolving');

/** Bundles segflow's packages; third-party imports become paths relative to `outdir`. */
const thirdPartyStaysExternal = (outdir: string): Plugin => ({
  name: 'third-party-stays-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@segflow/') || args.pluginData === RESOLVING) return undefined;
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      // The file this importer's node_modules holds (pnpm keeps each package's own
      // dependencies beside it, not where the bundle lies).
      const found = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: RESOLVING });
      // Unresolvable (an optional package not installed): left for node to refuse at run time, as before.
      if (found.errors.length > 0) return { path: args.path, external: true };
      const path = relative(outdir, found.path);
      return { path: path.startsWith('.') ? path : `./${path}`, external: true };
    });
    // segflow's files keep their own import.meta.url, for the files they find beside them
    // (the Kafka pom, the console's sources).
    builder.onLoad({ filter: /\.tsx?$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8'))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path)),
      loader: args.path.endsWith('x') ? 'tsx' : 'ts',
    }));
  },
});

export const buildServices = async (services: readonly ServiceName[] = SERVICES): Promise<void> => {
  await Promise.all(
    services.map((service) =>
      build({
        entryPoints: [`${ROOT}services/${service}/src/main.ts`],
        outfile: builtEntry(service),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: 'linked',
        logLevel: 'warning',
        plugins: [thirdPartyStaysExternal(dirname(builtEntry(service)))],
      }),
    ),
  );
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(SERVICES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`build: no service named ${unknown.join(', ')} (services: ${SERVICES.join(', ')})`);
    process.exit(1);
  }
  const started = performance.now();
  const services = asked.length > 0 ? (asked as ServiceName[]) : SERVICES;
  await buildServices(services);
  console.log(`built ${services.map((s) => `services/${s}/dist/main.js`).join(', ')} in ${Math.round(performance.now() - started)} ms`);
}
