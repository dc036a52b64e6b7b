import { parseArgs } from 'node:util';
import { ConsumerLagReport } from '@segflow/service-kit';
import { renderLagTable } from './lag-table.js';

// `pnpm lag [--url http://127.0.0.1:3000] [--interval 2000] [--once]`: the consumer lag of
// a running segflow process (GET /v1/ops/consumer-lag) as a table, refreshed until Ctrl-C.
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    interval: { type: 'string', default: '2000' },
    once: { type: 'boolean', default: false },
  },
});
const url = new URL('/v1/ops/consumer-lag', values.url).toString();
const intervalMs = Math.max(200, Number(values.interval) || 2000);
const tty = process.stdout.isTTY === true;

const show = async (): Promise<boolean> => {
  let text: string;
  let ok = true;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    // Errors are problem details (RFC 9457): say what the server said.
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { detail?: string };
      throw new Error(`HTTP ${response.status}${problem.detail ? `: ${problem.detail}` : ''}`);
    }
    text = renderLagTable(ConsumerLagReport.parse(await response.json()), { colour: tty });
  } catch (error) {
    ok = false;
    text = `cannot read ${url}: ${error instanceof Error ? error.message : String(error)}\n`;
  }
  const heading = `segflow consumer lag  ${values.url}  ${new Date().toISOString()}${values.once ? '' : `  (every ${intervalMs / 1000} s, Ctrl-C to stop)`}\n\n`;
  // On a terminal, redraw in place; piped, append one table after another.
  process.stdout.write(`${tty && !values.once ? '\x1b[H\x1b[2J' : ''}${heading}${text}\n`);
  return ok;
};

if (values.once) {
  process.exitCode = (await show()) ? 0 : 1;
} else {
  for (;;) {
    await show();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
