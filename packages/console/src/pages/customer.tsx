import { useState } from 'preact/hooks';
import { useLoad } from '../api.js';
import type { Schemas } from '../api.js';
import { explain } from '../explain.js';
import { Link, navigate } from '../router.js';
import { Gate, number, Section, Time } from '../ui.js';

type Profile = Schemas['Profile'];

const Lookup = ({ initial }: { initial: string }) => {
  const [id, setId] = useState(initial);
  return (
    <form class="toolbar" onSubmit={(e) => { e.preventDefault(); if (id.trim()) navigate(`/customers/${encodeURIComponent(id.trim())}`); }}>
      <input aria-label="customer id" data-testid="customer-id" placeholder="customer id, e.g. c-42" value={id} onInput={(e) => setId(e.currentTarget.value)} />
      <button class="button" type="submit">Look up</button>
    </form>
  );
};

const Facts = ({ rows }: { rows: [string, unknown][] }) => (
  <dl class="facts">
    {rows.map(([k, v]) => (
      <div key={k}><dt>{k}</dt><dd>{v === null || v === undefined || v === '' ? <span class="muted">—</span> : (v as string)}</dd></div>
    ))}
  </dl>
);

const ProfileView = ({ p }: { p: Profile }) => {
  const { custom, consent, interests, ...plain } = p.traits;
  return (
    <div class="columns three" data-testid="profile">
      <Section title="Traits">
        <Facts rows={[
          ...Object.entries(plain).map(([k, v]) => [k, String(v)] as [string, unknown]),
          ['interests', interests?.join(', ')],
          ['consent', consent ? Object.entries(consent).map(([k, v]) => `${k}: ${v ? 'yes' : 'no'}`).join(', ') : null],
          ...Object.entries(custom ?? {}).map(([k, v]) => [`custom.${k}`, String(v)] as [string, unknown]),
          ['age', p.age],
        ]} />
      </Section>
      <Section title="Activity">
        <Facts rows={[
          ['purchases', number(p.purchase.count)],
          ['total spent', number(p.purchase.total, 2)],
          ['average order', number(p.purchase.avgOrderValue, 2)],
          ['first purchase', <Time at={p.purchase.firstAt} />],
          ['last purchase', <Time at={p.purchase.lastAt} />],
          ['page views', number(p.pageView.count)],
          ['last page view', <Time at={p.pageView.lastAt} />],
          ['email opens', number(p.emailOpen.count)],
          ['last email open', <Time at={p.emailOpen.lastAt} />],
          ['purchase categories', Object.entries(p.purchase.categories).map(([c, v]) => `${c} (${v.count})`).join(', ')],
          ['campaigns opened', Object.entries(p.emailOpen.campaigns).map(([c, v]) => `${c} (${v.count})`).join(', ')],
        ]} />
      </Section>
      <Section title="Scores">
        <Facts rows={[
          ['lead score', number(p.leadScore.value, 2)],
          ['lifecycle stage', p.lifecycleStage],
          ['RFM segment', p.rfm?.segment],
          ['RFM scores (R/F/M)', p.rfm ? `${p.rfm.recency} / ${p.rfm.frequency} / ${p.rfm.monetary}` : null],
          ['days since purchase', p.rfm?.recencyDays],
          ['profile version', p.version],
          ['updated', <Time at={p.updatedAt} />],
        ]} />
      </Section>
    </div>
  );
};

const History = ({ id }: { id: string }) => {
  const [history] = useLoad((api) => api.GET('/v1/customers/{id}/segment-history', { params: { path: { id }, query: { limit: 100 } } }), [id], 5_000);
  return (
    <Section title="Membership history">
      <Gate loaded={history} what="membership history">
        {(data) =>
          data.intervals.length === 0 ? <p class="muted">No membership yet.</p> : (
            <table class="table" data-testid="history-table">
              <thead><tr><th>Segment</th><th>Entered</th><th>Why</th><th>Exited</th><th>Why</th></tr></thead>
              <tbody>
                {data.intervals.map((i) => (
                  <tr key={`${i.segmentId}-${i.entered.at}`}>
                    <td><Link href={`/segments/${encodeURIComponent(i.segmentId)}`}>{i.segmentName}</Link></td>
                    <td><Time at={i.entered.at} /><div class="muted small">{i.entered.reason ?? ''}</div></td>
                    <td class="explanation" data-testid="explanation">{explain('entered', i.entered.explanation, i.entered.reason)}</td>
                    <td>{i.exited ? <><Time at={i.exited.at} /><div class="muted small">{i.exited.reason}</div></> : <span class="ok">still a member</span>}</td>
                    <td class="explanation">{i.exited ? explain('exited', i.exited.explanation, i.exited.reason) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Gate>
    </Section>
  );
};

export const CustomerPage = ({ id }: { id?: string }) => {
  const [profile] = useLoad(async (api) => (id ? api.GET('/v1/customers/{id}', { params: { path: { id } } }) : { response: new Response(null, { status: 204 }) }), [id], 5_000);
  const [segments] = useLoad(async (api) => (id ? api.GET('/v1/customers/{id}/segments', { params: { path: { id } } }) : { response: new Response(null, { status: 204 }) }), [id], 5_000);
  return (
    <>
      <div class="page-head">
        <h1>{id ? `Customer ${id}` : 'Customer'}</h1>
        <Lookup initial={id ?? ''} key={id} />
      </div>
      {id ? (
        <>
          <Gate loaded={profile} what="profile">{(p) => (p ? <ProfileView p={p} /> : null)}</Gate>
          <Section title="Current segments">
            <Gate loaded={segments} what="segments">
              {(data) =>
                !data || data.segments.length === 0 ? <p class="muted">In no segment.</p> : (
                  <table class="table" data-testid="customer-segments">
                    <thead><tr><th>Segment</th><th>Entered</th></tr></thead>
                    <tbody>
                      {data.segments.map((s) => (
                        <tr key={s.segmentId} data-segment={s.segmentId}>
                          <td><Link href={`/segments/${encodeURIComponent(s.segmentId)}`}>{s.name}</Link></td>
                          <td><Time at={s.enteredAt} /> <span class="muted small">{s.enteredAt}</span></td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </Gate>
          </Section>
          <History id={id} />
        </>
      ) : <p class="muted">Look a customer up by id to see the profile, segments and history.</p>}
    </>
  );
};
