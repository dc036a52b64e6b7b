/** One sample of the Prometheus text format: a metric name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a `/metrics` answer (comments and malformed lines skipped). */
export const parsePrometheus = (text: string): Sample[] => {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
};

/** Dead-lettered events per service and event type, from `segflow_events_processed_total{outcome="dlq"}`. */
export const dlqCounts = (samples: Sample[]): { service: string; type: string; count: number }[] =>
  samples
    .filter((s) => s.name === 'segflow_events_processed_total' && s.labels.outcome === 'dlq')
    .map((s) => ({ service: s.labels.service ?? '', type: s.labels.type ?? '', count: s.value }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.type.localeCompare(b.type));
