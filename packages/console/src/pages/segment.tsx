import { useState } from 'preact/hooks';
import { useLoad } from '../api.js';
import type { Schemas } from '../api.js';
import { SizeChart } from '../charts.js';
import { Link } from '../router.js';
import { Gate, number, Section, Time } from '../ui.js';
import { BackfillBar, lastDays } from './segments.js';

const RANGES = { '7 days, hourly': { days: 7, step: '1h' }, '30 days': { days: 30, step: '1d' }, '90 days': { days: 90, step: '1d' } } as const;
type Range = keyof typeof RANGES;

const SizeOverTime = ({ id }: { id: string }) => {
  const [range, setRange] = useState<Range>('30 days');
  const { days, step } = RANGES[range];
  const [history] = useLoad((api) => api.GET('/v1/segments/{id}/size-history', { params: { path: { id }, query: { ...lastDays(days), step } } }), [id, range], 15_000);
  return (
    <Section title="Size over time">
      <div class="toolbar">
        {(Object.keys(RANGES) as Range[]).map((r) => (
          <button key={r} class={r === range ? 'chip active' : 'chip'} onClick={() => setRange(r)}>{r}</button>
        ))}
      </div>
      <Gate loaded={history} what="size history">
        {(data) => {
          const entered = data.points.reduce((n, p) => n + p.entered, 0);
          const exited = data.points.reduce((n, p) => n + p.exited, 0);
          return (
            <>
              <SizeChart points={data.points} step={data.step} />
              <p class="muted small">{data.points.length} points from <Time at={data.from} /> · entered {number(entered)}, exited {number(exited)} in the period</p>
            </>
          );
        }}
      </Gate>
    </Section>
  );
};

const Members = ({ id }: { id: string }) => {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [page] = useLoad((api) => api.GET('/v1/segments/{id}/members', { params: { path: { id }, query: { limit: 50, ...(cursor ? { cursor } : {}) } } }), [id, cursor]);
  return (
    <Section title="Members">
      <Gate loaded={page} what="members">
        {(data) => {
          // The A/B group each member got at entry (null without an experiment).
          const groups = data.members.map((m) => m.group);
          const withGroups = groups.some((g) => g !== null);
          return data.members.length === 0 ? (
            <p class="muted">No members.</p>
          ) : (
            <>
              <table class="table" data-testid="members-table">
                <thead><tr><th>Customer</th><th>Entered</th>{withGroups ? <th>Group</th> : null}</tr></thead>
                <tbody>
                  {data.members.map((m, i) => (
                    <tr key={m.customerId}>
                      <td><Link href={`/customers/${encodeURIComponent(m.customerId)}`}>{m.customerId}</Link></td>
                      <td><Time at={m.enteredAt} /></td>
                      {withGroups ? <td>{groups[i] ?? '—'}</td> : null}
                    </tr>
                  ))}
                </tbody>
              </table>
              {withGroups ? null : <p class="muted small">No A/B experiment on this segment.</p>}
              <div class="toolbar">
                {cursor ? <button class="chip" onClick={() => setCursor(undefined)}>First page</button> : null}
                {data.nextCursor ? <button class="chip" onClick={() => setCursor(data.nextCursor ?? undefined)}>Next page</button> : null}
              </div>
            </>
          );
        }}
      </Gate>
    </Section>
  );
};

type GroupResult = Schemas['SegmentResults']['overall'];

/** The results of the members who entered in the last 30 days, overall and per A/B group, side by side. */
const Results = ({ id }: { id: string }) => {
  const { from, to } = lastDays(30);
  const [results] = useLoad((api) => api.GET('/v1/segments/{id}/results', { params: { path: { id }, query: { from, to } } }), [id], 15_000);
  return (
    <Section title="Results per group (entered in the last 30 days)">
      <Gate loaded={results} what="Results per A/B group">
        {(data) => {
          const columns: [string, GroupResult][] = [['overall', data.overall], ...data.groups.map((g) => [g.group || 'no group', g] as [string, GroupResult])];
          const campaigns = [...new Set(columns.flatMap(([, r]) => r.emailOpens.map((o) => o.campaignId)))].sort();
          const row = (label: string, cell: (r: GroupResult) => string) => (
            <tr key={label}><th>{label}</th>{columns.map(([name, r]) => <td key={name} class="num">{cell(r)}</td>)}</tr>
          );
          return (
            <table class="table" data-testid="results">
              <thead><tr><th />{columns.map(([name]) => <th key={name} class="num">{name}</th>)}</tr></thead>
              <tbody>
                {row('entered', (r) => number(r.entered))}
                {row('conversion (purchased)', (r) => r.purchasedShare === null ? "—" : `${number(r.purchasedShare * 100, 1)} %`)}
                {row('purchases per member', (r) => number(r.purchasesPerMember, 2))}
                {row('revenue per member', (r) => number(r.revenuePerMember, 2))}
                {campaigns.map((c) => row(`opened ${c}`, (r) => {
                  const o = r.emailOpens.find((x) => x.campaignId === c);
                  return o ? `${o.openedShare === null ? "—" : `${number(o.openedShare * 100, 1)} %`} (${number(o.opens)} opens)` : "—";
                }))}
              </tbody>
            </table>
          );
        }}
      </Gate>
    </Section>
  );
};

export const SegmentPage = ({ id }: { id: string }) => {
  const [segment] = useLoad((api) => api.GET('/v1/segments/{id}', { params: { path: { id } } }), [id], 10_000);
  const [backfill] = useLoad((api) => api.GET('/v1/segments/{id}/backfill', { params: { path: { id } } }), [id], (b) => (b.state === 'ok' && b.data.state === 'running' ? 1_000 : undefined));
  return (
    <>
      <Gate loaded={segment} what="segment">
        {(s) => (
          <>
            <div class="page-head">
              <div>
                <h1>{s.name}</h1>
                <p class="muted">{s.id} · v{s.version} · {s.enabled ? 'enabled' : 'disabled'}{s.description ? ` · ${s.description}` : ''}</p>
              </div>
              <Link class="button" href={`/segments/${encodeURIComponent(s.id)}/edit`}>Edit rule</Link>
            </div>
            <div class="stats">
              <div class="stat"><span class="stat-value" data-testid="segment-size">{number(s.size)}</span><span class="stat-label">members</span></div>
              <div class="stat"><span class="stat-value"><Time at={s.lastChangeAt} /></span><span class="stat-label">last change</span></div>
              <div class="stat"><span class="stat-value"><Time at={s.updatedAt} /></span><span class="stat-label">definition updated</span></div>
              <div class="stat">
                <span class="stat-value">{backfill.state === 'ok' ? <BackfillBar job={backfill.data} /> : '—'}</span>
                <span class="stat-label">backfill</span>
              </div>
            </div>
          </>
        )}
      </Gate>
      <SizeOverTime id={id} />
      <div class="columns">
        <Members id={id} />
        <Results id={id} />
      </div>
      <Gate loaded={segment} what="definition">
        {(s) => (
          <Section title="Definition">
            {s.experiment ? (
              <p data-testid="experiment">
                A/B experiment <strong>{s.experiment.name}</strong>:{' '}
                {s.experiment.groups.map((g) => `${g.id} (weight ${g.weight})`).join(', ')}
              </p>
            ) : null}
            <pre class="json" data-testid="definition">{JSON.stringify(s.rule, null, 2)}</pre>
          </Section>
        )}
      </Gate>
    </>
  );
};
