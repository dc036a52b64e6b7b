import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// Client-side routes in the browser's history; the server answers index.html for each
// (see CONSOLE_PAGES on the server side).
const listeners = new Set<() => void>();

export const navigate = (to: string): void => {
  history.pushState(null, '', to);
  for (const listener of listeners) listener();
};

/** The current path and query, updated on navigate() and on back/forward. */
export const useLocation = (): { path: string; query: URLSearchParams } => {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const update = () => setVersion((v) => v + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
};

export const Link = ({ href, children, ...rest }: { href: string; children: ComponentChildren } & AnchorHTMLAttributes<HTMLAnchorElement>) => (
  <a
    href={href}
    {...rest}
    onClick={(event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      navigate(href);
    }}
  >
    {children}
  </a>
);

/** Matches `path` against a pattern such as `/segments/:id`; the decoded parameters, or null. */
export const match = (pattern: string, path: string): Record<string, string> | null => {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  if (have.length === 1 && have[0] === '') have.push('');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) {
      if (h === '') return null;
      params[w.slice(1)] = decodeURIComponent(h);
    } else if (w !== h) return null;
  }
  return params;
};
