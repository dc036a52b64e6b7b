import { useLoad } from '../api.js';
import { dlqCounts, parsePrometheus } from '../prometheus.js';
import { Badge, Gate, number, Section, Time } from '../ui.js';

const LAG_POLL_MS = 3_000;

export const OpsPage = () => {
  const [lag] = useLoad((api) => api.GET('/v1/ops/consumer-lag'), [], LAG_POLL_MS);
  const [metrics] = useLoad((api) => api.GET('/metrics', { parseAs: 'text' }), [], LAG_POLL_MS * 2);
  return (
    <>
      <div class="page-head">
        <h1>Operations</h1>
        <span class="muted small">refreshed every {LAG_POLL_MS / 1000} s</span>
      </div>
      <Section title="Consumer lag">
        <Gate loaded={lag} what="consumer lag">
          {(data) => (
            <table class="table" data-testid="lag-table">
              <thead><tr><th>Group</th><th>Topic</th><th class="num">Partition</th><th class="num">Committed</th><th class="num">End</th><th class="num">Lag</th><th class="num">Lag (s)</th><th>Status</th></tr></thead>
              <tbody>
                {data.groups.flatMap((g) => [
                  <tr key={g.group} class="group-row" data-group={g.group}>
                    <td colSpan={5}><strong>{g.group}</strong> <span class="muted small">observed <Time at={g.observedAt} />{g.error ? ` · ${g.error}` : ''}</span></td>
                    <td class="num"><strong>{number(g.lag)}</strong></td>
                    <td />
                    <td><Badge status={g.status} /></td>
                  </tr>,
                  ...g.partitions.map((p) => (
                    <tr key={`${g.group}-${p.topic}-${p.partition}`} data-testid="lag-partition">
                      <td />
                      <td>{p.topic}</td>
                      <td class="num">{p.partition}</td>
                      <td class="num">{p.committed === null ? '—' : number(p.committed)}</td>
                      <td class="num">{number(p.end)}</td>
                      <td class="num">{number(p.lag)}</td>
                      <td class="num">{number(p.lagSeconds, 1)}</td>
                      <td><Badge status={p.status} /></td>
                    </tr>
                  )),
                ])}
              </tbody>
            </table>
          )}
        </Gate>
      </Section>
      <Section title="Dead-letter queue">
        <Gate loaded={metrics} what="DLQ counts">
          {(text) => {
            const counts = dlqCounts(parsePrometheus(String(text)));
            const total = counts.reduce((n, c) => n + c.count, 0);
            return (
              <>
                <p data-testid="dlq-total"><strong>{number(total)}</strong> messages dead-lettered since this process started <span class="muted small">(segflow_events_processed_total, outcome dlq)</span></p>
                {counts.length === 0 ? null : (
                  <table class="table" data-testid="dlq-table">
                    <thead><tr><th>Service</th><th>Event type</th><th class="num">Dead-lettered</th></tr></thead>
                    <tbody>{counts.map((c) => <tr key={`${c.service}-${c.type}`}><td>{c.service}</td><td>{c.type}</td><td class="num">{number(c.count)}</td></tr>)}</tbody>
                  </table>
                )}
              </>
            );
          }}
        </Gate>
      </Section>
    </>
  );
};
