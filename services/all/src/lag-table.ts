import type { LagStatus } from '@segflow/observability';
import type { ConsumerLagReport } from '@segflow/service-kit';

const COLOURS: Record<LagStatus, string> = { OK: '32', WARNING: '33', STALLED: '31', STOPPED: '31', REWIND: '35' };
const HEADER = ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'LAG SECONDS', 'STATUS'];
// Numbers read best right-aligned.
const RIGHT = new Set([1, 2, 3, 4, 5]);

/**
 * `GET /v1/ops/consumer-lag` as terminal text: per group a summary line, then one row per
 * partition, columns padded to their widest cell. `colour` adds ANSI colours to statuses.
 */
export const renderLagTable = (report: ConsumerLagReport, options: { colour?: boolean } = {}): string => {
  const paint = (status: LagStatus) => (options.colour ? `\x1b[${COLOURS[status]}m${status}\x1b[0m` : status);
  if (report.groups.length === 0) return 'no consumer groups run in this process\n';
  const lines: string[] = [];
  for (const group of report.groups) {
    const read = group.observedAt === null ? 'not read yet' : `read ${group.observedAt}`;
    lines.push(`${group.group}  ${paint(group.status)}  lag ${group.lag}  (${read})${group.error ? `  last read failed: ${group.error}` : ''}`);
    if (group.partitions.length === 0) {
      lines.push('  (no partitions)', '');
      continue;
    }
    const rows = group.partitions.map((p) => [
      p.topic,
      String(p.partition),
      p.committed === null ? '-' : String(p.committed),
      String(p.end),
      String(p.lag),
      p.lagSeconds.toFixed(1),
      p.status,
    ]);
    const widths = HEADER.map((_, i) => Math.max(...[HEADER, ...rows].map((row) => row[i]!.length)));
    const format = (row: string[], status?: LagStatus) =>
      '  ' +
      row
        .map((cell, i) => (i === row.length - 1 ? (status ? paint(status) : cell) : RIGHT.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ');
    lines.push(format(HEADER), ...rows.map((row, i) => format(row, group.partitions[i]!.status)), '');
  }
  return lines.join('\n');
};
