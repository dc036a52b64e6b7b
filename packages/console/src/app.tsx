import { useState } from 'preact/hooks';
import { useSession } from './api.js';
import { CustomerPage } from './pages/customer.js';
import { EditorPage } from './pages/editor.js';
import { OpsPage } from './pages/ops.js';
import { SegmentPage } from './pages/segment.js';
import { SegmentsPage } from './pages/segments.js';
import { Link, match, useLocation } from './router.js';

const Page = ({ path }: { path: string }) => {
  let params: Record<string, string> | null;
  if (match('/', path) || match('/segments', path)) return <SegmentsPage />;
  if (match('/editor', path)) return <EditorPage />;
  if ((params = match('/segments/:id/edit', path))) return <EditorPage id={params.id!} key={params.id} />;
  if ((params = match('/segments/:id', path))) return <SegmentPage id={params.id!} key={params.id} />;
  if (match('/customers', path)) return <CustomerPage />;
  if ((params = match('/customers/:id', path))) return <CustomerPage id={params.id!} key={params.id} />;
  if (match('/ops', path)) return <OpsPage />;
  return <p>No page at {path}. <Link href="/">Segments</Link></p>;
};

/** Asks for an API key once the server answered 401; the key lives in this tab's session storage. */
const KeyDialog = () => {
  const { keyRequested, setApiKey, apiKey } = useSession();
  const [key, setKey] = useState('');
  if (!keyRequested) return null;
  return (
    <div class="overlay">
      <form class="dialog card" data-testid="key-dialog" onSubmit={(e) => { e.preventDefault(); if (key.trim()) setApiKey(key.trim()); }}>
        <h2>API key</h2>
        <p>{apiKey ? 'This server did not accept the key.' : 'This segflow asks for an API key.'} It is kept in this tab's session storage only.</p>
        <input type="password" aria-label="API key" data-testid="key-input" autoFocus value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <div class="toolbar"><button class="button" type="submit">Use this key</button></div>
      </form>
    </div>
  );
};

const KeyStatus = () => {
  const { apiKey, setApiKey, requestKey } = useSession();
  return (
    <span class="key-status">
      {apiKey ? <>API key set · <button class="link" onClick={requestKey}>change</button> · <button class="link" onClick={() => setApiKey(null)}>forget</button></> : <button class="link" onClick={requestKey}>API key…</button>}
    </span>
  );
};

export const App = () => {
  const { path } = useLocation();
  const section = path.startsWith('/customers') ? 'customers' : path.startsWith('/ops') ? 'ops' : path.startsWith('/editor') || path.endsWith('/edit') ? 'editor' : 'segments';
  const nav = (href: string, name: string, label: string) => <Link href={href} class={section === name ? 'active' : ''}>{label}</Link>;
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">segflow</Link>
        <nav>
          {nav('/', 'segments', 'Segments')}
          {nav('/editor', 'editor', 'Rule editor')}
          {nav('/customers', 'customers', 'Customers')}
          {nav('/ops', 'ops', 'Ops')}
          <a href="/docs">API docs</a>
        </nav>
        <KeyStatus />
      </header>
      <main class="content">
        <Page path={path} />
      </main>
      <KeyDialog />
    </>
  );
};
