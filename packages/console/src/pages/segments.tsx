import { useLoad } from '../api.js';
import type { Schemas } from '../api.js';
import { Sparkline } from '../charts.js';
import { Link } from '../router.js';
import { Gate, number, Progress, Section, Time } from '../ui.js';

const DAY_MS = 86_400_000;

/** The last `days` whole UTC days up to now, as size-history's query. */
export const lastDays = (days: number, now = Date.now()) => ({
  from: new Date(Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS).toISOString(),
  to: new Date(now).toISOString(),
  step: '1d' as const,
});

const SegmentSparkline = ({ id }: { id: string }) => {
  const [history] = useLoad((api) => api.GET('/v1/segments/{id}/size-history', { params: { path: { id }, query: lastDays(30) } }), [id]);
  if (history.state === 'ok') return <Sparkline points={history.data.points} />;
  if (history.state === 'loading') return <span class="muted">…</span>;
  return <span class="disabled" data-state={history.state} title={history.state === 'absent' ? 'size history is not available on this server' : history.state}>n/a</span>;
};

/** A backfill's progress bar, or its state once it is done. */
export const BackfillCell = ({ id }: { id: string }) => {
  const [backfill] = useLoad((api) => api.GET('/v1/segments/{id}/backfill', { params: { path: { id } } }), [id], (b) => (b.state === 'ok' && b.data.state === 'running' ? 1_000 : undefined));
  if (backfill.state !== 'ok') return <span class="muted">{backfill.state === 'not-found' ? 'none' : backfill.state === 'loading' ? '…' : 'n/a'}</span>;
  return <BackfillBar job={backfill.data} />;
};

export const BackfillBar = ({ job }: { job: Schemas['BackfillProgress'] }) => (
  <span class="backfill" data-state={job.state}>
    <Progress done={job.processed} total={job.total} label={job.state === 'running' ? `${number(job.processed)} / ${number(job.total)}` : `${job.state}: ${number(job.total)} profiles`} />
    <span class="muted small"> +{number(job.entered)} −{number(job.exited)}</span>
  </span>
);

export const SegmentsPage = () => {
  const [page] = useLoad((api) => api.GET('/v1/segments', { params: { query: { limit: 1000 } } }), [], 10_000);
  return (
    <>
      <div class="page-head">
        <h1>Segments</h1>
        <Link class="button" href="/editor">New segment</Link>
      </div>
      <Section title="All segments">
        <Gate loaded={page} what="segments">
          {(data) =>
            data.segments.length === 0 ? (
              <p class="muted">No segments yet. <Link href="/editor">Define one in the rule editor.</Link></p>
            ) : (
              <table class="table" data-testid="segments-table">
                <thead>
                  <tr><th>Segment</th><th class="num">Size</th><th>Last 30 days</th><th>Last change</th><th>Backfill</th><th>Version</th></tr>
                </thead>
                <tbody>
                  {data.segments.map((s) => (
                    <tr key={s.id} data-segment={s.id}>
                      <td>
                        <Link href={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                        <div class="muted small">{s.id}{s.enabled ? '' : ' · disabled'}</div>
                      </td>
                      <td class="num" data-testid="segment-size">{number(s.size)}</td>
                      <td class="spark-cell"><SegmentSparkline id={s.id} /></td>
                      <td><Time at={s.lastChangeAt} /></td>
                      <td><BackfillCell id={s.id} /></td>
                      <td>v{s.version}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Gate>
      </Section>
    </>
  );
};
