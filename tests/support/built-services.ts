import { buildServices } from '@segflow/service-kit/build';

// The services as `pnpm start` and the image run them, built from this checkout before any
// test starts one as a process.
export default async function setup(): Promise<void> {
  await buildServices();
}
