import { createContext } from 'preact';
import type { ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createSegflowClient } from '@segflow/client';
import type { components, SegflowClient } from '@segflow/client';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

const KEY_STORAGE = 'segflow.apiKey';

/** What the console knows about the API key: the client built with it, and whether the server asked for one. */
export interface Session {
  api: SegflowClient;
  apiKey: string | null;
  /** Set by any 401: the key dialog opens. */
  keyRequested: boolean;
  setApiKey(key: string | null): void;
  requestKey(): void;
  /** Changes whenever the key does, so that pages fetch again. */
  generation: number;
}

const SessionContext = createContext<Session | null>(null);

const storedKey = (): string | null => {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
};

export const SessionProvider = ({ children }: { children: ComponentChildren }) => {
  const [apiKey, setKey] = useState<string | null>(storedKey);
  const [keyRequested, setKeyRequested] = useState(false);
  const [generation, setGeneration] = useState(0);
  const api = useMemo(() => {
    const client = createSegflowClient({ baseUrl: window.location.origin, ...(apiKey ? { apiKey } : {}) });
    client.use({
      onResponse: ({ response }) => {
        if (response.status === 401) setKeyRequested(true);
        return response;
      },
    });
    return client;
  }, [apiKey]);
  const setApiKey = useCallback((key: string | null) => {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    setKey(key);
    setKeyRequested(false);
    setGeneration((g) => g + 1);
  }, []);
  const requestKey = useCallback(() => setKeyRequested(true), []);
  const session = useMemo(
    () => ({ api, apiKey, keyRequested, setApiKey, requestKey, generation }),
    [api, apiKey, keyRequested, setApiKey, requestKey, generation],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
};

export const useSession = (): Session => {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionProvider');
  return session;
};

/**
 * A request's outcome as a page shows it: `forbidden` (the key lacks the scope) and
 * `absent` (this server has no such route) are shown as disabled, not as errors.
 */
export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T; response: Response }
  | { state: 'unauthorized' }
  | { state: 'forbidden'; problem: Problem }
  | { state: 'absent'; problem: Problem }
  | { state: 'not-found'; problem: Problem }
  | { state: 'error'; message: string; problem?: Problem };

/** An answer of the typed client, whatever the route. */
export interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const asProblem = (error: unknown, response: Response): Problem =>
  typeof error === 'object' && error !== null && 'status' in error
    ? (error as Problem)
    : { type: 'about:blank', title: response.statusText, status: response.status, detail: String(error ?? response.statusText), code: 'unknown' };

/** Sorts an answer into the states a page renders. A 404 for a route the server lacks is `absent`. */
export const classify = <T,>(answer: Answer<T>): Loaded<T> => {
  const { response } = answer;
  if (response.ok) return { state: 'ok', data: answer.data as T, response };
  const problem = asProblem(answer.error, response);
  if (response.status === 401) return { state: 'unauthorized' };
  if (response.status === 403) return { state: 'forbidden', problem };
  if (response.status === 404) return problem.detail.startsWith('no route ') ? { state: 'absent', problem } : { state: 'not-found', problem };
  return { state: 'error', message: `${response.status} ${problem.title}: ${problem.detail}`, problem };
};

/**
 * Runs `load` with the session's client whenever `deps` or the key change, and again
 * `poll` ms after each answer when given (a function of the answer: poll while a backfill
 * runs), keeping the last answer on screen while the next request is in flight.
 */
export const useLoad = <T,>(
  load: (api: SegflowClient) => Promise<Answer<T>>,
  deps: unknown[],
  poll?: number | ((loaded: Loaded<T>) => number | undefined),
): [Loaded<T>, () => void] => {
  const { api, generation } = useSession();
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = latest.current + 1;
    latest.current = run;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (next: Loaded<T>) => {
      if (run !== latest.current) return;
      setLoaded(next);
      const ms = typeof poll === 'function' ? poll(next) : poll;
      if (ms !== undefined) timer = setTimeout(() => setTick((t) => t + 1), ms);
    };
    load(api)
      .then((answer) => settle(classify(answer)))
      .catch((err: unknown) => settle({ state: 'error', message: err instanceof Error ? err.message : String(err) }));
    return () => clearTimeout(timer);
  }, [api, generation, tick, ...deps]);
  return [loaded, () => setTick((t) => t + 1)];
};
