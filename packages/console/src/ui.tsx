import type { ComponentChildren } from 'preact';
import type { Loaded } from './api.js';

/** "3 min ago" for a past instant, with the exact instant as the tooltip. */
export const Time = ({ at }: { at: string | null | undefined }) => {
  if (!at) return <span class="muted">—</span>;
  return <time dateTime={at} title={at}>{relative(new Date(at), new Date())}</time>;
};

export const relative = (at: Date, now: Date): string => {
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  const text =
    s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : s < 86_400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`;
  return future ? `in ${text}` : `${text} ago`;
};

export const number = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits });

export const Badge = ({ status }: { status: string }) => <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;

/** A bar filled to processed / total. */
export const Progress = ({ done, total, label }: { done: number; total: number; label?: string }) => {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  return (
    <span class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} title={label ?? `${done} / ${total}`}>
      <span class="progress-fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      <span class="progress-label">{label ?? `${Math.round(ratio * 100)} %`}</span>
    </span>
  );
};

/** What a section shows instead of its content while loading, without the key's scope, or on a server without the route. */
export const Gate = <T,>({ loaded, children, what }: { loaded: Loaded<T>; what: string; children: (data: T, response: Response) => ComponentChildren }) => {
  switch (loaded.state) {
    case 'loading':
      return <p class="muted">Loading {what}…</p>;
    case 'ok':
      return <>{children(loaded.data, loaded.response)}</>;
    case 'unauthorized':
      return <p class="disabled" data-state="unauthorized">{what}: this server asks for an API key.</p>;
    case 'forbidden':
      return <p class="disabled" data-state="forbidden" title={loaded.problem.detail}>{what}: not allowed with this API key ({loaded.problem.detail}).</p>;
    case 'absent':
      return <p class="disabled" data-state="absent">{what}: not available on this server.</p>;
    case 'not-found':
      return <p class="muted" data-state="not-found">{what}: {loaded.problem.detail}.</p>;
    case 'error':
      return <p class="error">{what}: {loaded.message}</p>;
  }
};

export const Section = ({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) => (
  <section class="card" id={id}>
    <h2>{title}</h2>
    {children}
  </section>
);
