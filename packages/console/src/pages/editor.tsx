import { useEffect, useRef, useState } from 'preact/hooks';
import type { RuleOp } from '@segflow/contracts';
import { classify, useLoad, useSession } from '../api.js';
import type { Loaded, Problem, Schemas } from '../api.js';
import { Link, navigate } from '../router.js';
import { errorsAt, FIELD_NAMES, fieldInfo, isGroup, isNot, newCondition, opsFor, pathText, updateAt, withField, withOp } from '../rule-tree.js';
import type { Condition, NodePath, Rule } from '../rule-tree.js';
import { Gate, number, Section } from '../ui.js';

type FieldError = Schemas['FieldError'];

const STARTER: Rule = { all: [{ field: 'purchase.count', op: 'gte', value: 3 }] };
const MEASURES = ['ratio', 'difference', 'current', 'previous'] as const;

/** Text typed into a value box, read as the field's kind wants: numbers for number fields, lists split on commas. */
const parseScalar = (text: string, kind: string): unknown => {
  const trimmed = text.trim();
  if (kind !== 'string' && trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (kind === 'trait' && (trimmed === 'true' || trimmed === 'false')) return trimmed === 'true';
  return trimmed;
};
const showScalar = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** A text box over a value that keeps what is typed ("3.") while the value it stands for is the same. */
const ValueBox = ({ value, parse, show, label, invalid, onChangeValue }: {
  value: unknown;
  parse: (text: string) => unknown;
  show: (value: unknown) => string;
  label: string;
  invalid: boolean;
  onChangeValue: (value: unknown) => void;
}) => {
  // Derived in render, not synced in an effect: a box that showed the old value for a frame
  // after the operator changed would have the next keystrokes appended to it.
  const [typed, setTyped] = useState({ text: show(value), stands: JSON.stringify(value) });
  const text = typed.stands === JSON.stringify(value) ? typed.text : show(value);
  return (
    <input
      class={invalid ? 'invalid' : ''}
      aria-label={label}
      value={text}
      onInput={(e) => {
        const t = e.currentTarget.value;
        const parsed = parse(t);
        setTyped({ text: t, stands: JSON.stringify(parsed) });
        onChangeValue(parsed);
      }}
    />
  );
};

const ConditionEditor = ({ condition, path, errors, onChange, onRemove, onWrapNot }: {
  condition: Condition;
  path: NodePath;
  errors: FieldError[];
  onChange: (next: Condition) => void;
  onRemove: () => void;
  onWrapNot: () => void;
}) => {
  const info = fieldInfo(condition.field);
  const mine = errorsAt(errors, path);
  const bad = (key: string) => mine.some((e) => e.path.endsWith(`.${key}`) || e.path.includes(`.${key}.`) || e.path.includes(`.${key}[`));
  const isTrait = condition.field.startsWith('traits.');
  const op = condition.op;
  const set = (patch: Partial<Condition>) => {
    const next = { ...condition, ...patch };
    for (const key of Object.keys(patch) as (keyof Condition)[]) if (patch[key] === undefined) delete next[key];
    onChange(next);
  };
  return (
    <div class={mine.length > 0 ? 'condition has-errors' : 'condition'} data-path={pathText(path)} data-testid="condition">
      <div class="condition-row">
        <select aria-label="field" class={bad('field') ? 'invalid' : ''} value={isTrait ? 'traits.' : condition.field} onChange={(e) => onChange(withField(condition, e.currentTarget.value === 'traits.' ? 'traits.country' : e.currentTarget.value))}>
          {FIELD_NAMES.map((f) => <option key={f} value={f}>{f}</option>)}
          <option value="traits.">traits.…</option>
        </select>
        {isTrait ? (
          <input aria-label="trait" class={bad('field') ? 'invalid' : ''} value={condition.field.slice('traits.'.length)} onInput={(e) => onChange({ ...condition, field: `traits.${e.currentTarget.value}` })} />
        ) : null}
        <select aria-label="operator" class={bad('op') ? 'invalid' : ''} value={op} onChange={(e) => onChange(withOp(condition, e.currentTarget.value as RuleOp))}>
          {opsFor(condition.field).map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
        {op === 'exists' || op === 'notExists' ? null : op === 'between' ? (
          <>
            <ValueBox label="low" invalid={bad('value')} value={(condition.value as unknown[] | undefined)?.[0]} parse={(t) => parseScalar(t, info.kind)} show={showScalar}
              onChangeValue={(v) => set({ value: [v, (condition.value as unknown[] | undefined)?.[1]] })} />
            <span class="muted">and</span>
            <ValueBox label="high" invalid={bad('value')} value={(condition.value as unknown[] | undefined)?.[1]} parse={(t) => parseScalar(t, info.kind)} show={showScalar}
              onChangeValue={(v) => set({ value: [(condition.value as unknown[] | undefined)?.[0], v] })} />
          </>
        ) : op === 'in' || op === 'notIn' ? (
          <ValueBox label="values (comma-separated)" invalid={bad('value')} value={condition.value}
            parse={(t) => t.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => parseScalar(x, info.kind))}
            show={(v) => (Array.isArray(v) ? v.map(showScalar).join(', ') : showScalar(v))} onChangeValue={(v) => set({ value: v })} />
        ) : (
          <ValueBox label="value" invalid={bad('value')} value={condition.value}
            parse={(t) => (op === 'withinLast' || op === 'notWithinLast' || op === 'before' || op === 'after' ? t.trim() : parseScalar(t, info.kind))}
            show={showScalar} onChangeValue={(v) => set({ value: v })} />
        )}
        {info.window ? (
          <label class="inline">window
            <input aria-label="window" class={bad('window') ? 'invalid small-input' : 'small-input'} placeholder="all time" value={condition.window ?? ''}
              onInput={(e) => set({ window: e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value.trim() })} />
          </label>
        ) : null}
        {info.where.map((key) => (
          <label class="inline" key={key}>{key === 'category' ? 'category' : 'campaign'}
            <input aria-label={key} class={bad('where') ? 'invalid small-input' : 'small-input'} placeholder="any" value={condition.where?.[key] ?? ''}
              onInput={(e) => {
                const value = e.currentTarget.value.trim();
                const where = { ...condition.where, [key]: value === '' ? undefined : value };
                if (where[key] === undefined) delete where[key];
                set({ where: Object.keys(where).length === 0 ? undefined : where });
              }} />
          </label>
        ))}
        {info.trend ? (
          <label class="inline">compare to
            <input aria-label="compareTo" class={bad('compareTo') ? 'invalid small-input' : 'small-input'} placeholder="—" value={condition.compareTo?.window ?? ''}
              onInput={(e) => {
                const w = e.currentTarget.value.trim();
                set(w === '' ? { compareTo: undefined, measure: undefined } : { compareTo: { window: w }, measure: condition.measure ?? 'ratio' });
              }} />
            {condition.compareTo ? (
              <select aria-label="measure" class={bad('measure') ? 'invalid' : ''} value={condition.measure ?? 'ratio'} onChange={(e) => set({ measure: e.currentTarget.value as (typeof MEASURES)[number] })}>
                {MEASURES.map((m) => <option key={m} value={m}>{m}</option>)}
              </select>
            ) : null}
          </label>
        ) : null}
        <span class="spacer" />
        <button class="link" title="negate this condition" onClick={onWrapNot}>not</button>
        <button class="link danger" title="remove this condition" onClick={onRemove}>✕</button>
      </div>
      {mine.map((e) => <div class="field-error" key={e.path} data-testid="field-error">{e.path.replace(/^body\./, '')}: {e.message}</div>)}
    </div>
  );
};

const NodeEditor = ({ rule, node, path, errors, setRule }: { rule: Rule; node: Rule; path: NodePath; errors: FieldError[]; setRule: (r: Rule) => void }) => {
  const replace = (update: (n: Rule) => Rule | null) => setRule(updateAt(rule, path, update) ?? STARTER);
  const mine = errorsAt(errors, path);
  if (isNot(node)) {
    return (
      <div class="group group-not" data-path={pathText(path)}>
        <div class="group-head">
          <strong>not</strong>
          <span class="spacer" />
          <button class="link" title="remove the not" onClick={() => replace((n) => (isNot(n) ? n.not : n))}>unwrap</button>
        </div>
        <NodeEditor rule={rule} node={node.not} path={[...path, 'not']} errors={errors} setRule={setRule} />
        {mine.map((e) => <div class="field-error" key={e.path}>{e.path.replace(/^body\./, '')}: {e.message}</div>)}
      </div>
    );
  }
  if (isGroup(node)) {
    const key = 'all' in node ? 'all' : 'any';
    const children = 'all' in node ? node.all : node.any;
    return (
      <div class={`group group-${key}`} data-path={pathText(path)}>
        <div class="group-head">
          <select aria-label="combine" value={key} onChange={(e) => replace(() => ({ [e.currentTarget.value]: children }) as Rule)}>
            <option value="all">all of</option>
            <option value="any">any of</option>
          </select>
          <span class="spacer" />
          <button class="link" onClick={() => replace(() => ({ [key]: [...children, newCondition()] }) as Rule)}>+ condition</button>
          <button class="link" onClick={() => replace(() => ({ [key]: [...children, { any: [newCondition()] }] }) as Rule)}>+ group</button>
          {path.length > 0 ? <button class="link" onClick={() => replace((n) => ({ not: n }))}>not</button> : null}
          {path.length > 0 ? <button class="link danger" onClick={() => replace(() => null)}>✕</button> : null}
        </div>
        {children.map((child, i) => (
          <NodeEditor key={i} rule={rule} node={child} path={[...path, key, i]} errors={errors} setRule={setRule} />
        ))}
        {mine.map((e) => <div class="field-error" key={e.path} data-testid="field-error">{e.path.replace(/^body\./, '')}: {e.message}</div>)}
      </div>
    );
  }
  return (
    <ConditionEditor
      condition={node}
      path={path}
      errors={errors}
      onChange={(next) => replace(() => next)}
      onRemove={() => replace(() => null)}
      onWrapNot={() => replace((n) => ({ not: n }))}
    />
  );
};

/** The rule as JSON, editable: a change that parses replaces the tree; one that does not is flagged and kept. */
const JsonEditor = ({ rule, setRule }: { rule: Rule; setRule: (r: Rule) => void }) => {
  const [text, setText] = useState(JSON.stringify(rule, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) setText(JSON.stringify(rule, null, 2));
  }, [JSON.stringify(rule)]);
  return (
    <div>
      <textarea
        class={parseError ? 'json-input invalid' : 'json-input'}
        aria-label="rule JSON"
        data-testid="rule-json"
        spellcheck={false}
        value={text}
        onFocus={() => (focused.current = true)}
        onBlur={() => {
          focused.current = false;
          if (!parseError) setText(JSON.stringify(rule, null, 2));
        }}
        onInput={(e) => {
          const t = e.currentTarget.value;
          setText(t);
          try {
            const parsed = JSON.parse(t) as unknown;
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('a rule is an object: {"all": […]}, {"any": […]}, {"not": …} or a condition');
            setParseError(null);
            setRule(parsed as Rule);
          } catch (err) {
            setParseError(err instanceof Error ? err.message : String(err));
          }
        }}
      />
      {parseError ? <div class="field-error">JSON: {parseError}</div> : null}
    </div>
  );
};

type Preview = Schemas['Preview'];

const PreviewPanel = ({ preview, existing }: { preview: Loaded<Preview> | null; existing: boolean }) => {
  if (preview === null) return <p class="muted">Edit the rule to see who it matches.</p>;
  if (preview.state === 'error' && preview.problem?.status === 400) return <p class="error">The rule is not valid: see the conditions marked in red.</p>;
  return (
    <Gate loaded={preview} what="preview">
      {(p) => (
        <div data-testid="preview">
          <div class="stats">
            <div class="stat"><span class="stat-value" data-testid="preview-count">{number(p.count)}</span><span class="stat-label">match, of {number(p.evaluated)} profiles</span></div>
            {p.changes ? (
              <>
                <div class="stat"><span class="stat-value enter" data-testid="preview-entering">+{number(p.changes.entering)}</span><span class="stat-label">would enter</span></div>
                <div class="stat"><span class="stat-value exit" data-testid="preview-exiting">−{number(p.changes.exiting)}</span><span class="stat-label">would exit</span></div>
              </>
            ) : null}
          </div>
          <CustomerList title="Sample" ids={p.sample} testId="preview-sample" />
          {existing && p.changes ? (
            <div class="columns">
              <CustomerList title="Would enter" ids={p.changes.sampleEntering} testId="preview-sample-entering" />
              <CustomerList title="Would exit" ids={p.changes.sampleExiting} testId="preview-sample-exiting" />
            </div>
          ) : null}
        </div>
      )}
    </Gate>
  );
};

const CustomerList = ({ title, ids, testId }: { title: string; ids: string[]; testId: string }) => (
  <div>
    <h3>{title}</h3>
    {ids.length === 0 ? <p class="muted">none</p> : (
      <ul class="ids" data-testid={testId}>
        {ids.map((id) => <li key={id}><Link href={`/customers/${encodeURIComponent(id)}`}>{id}</Link></li>)}
      </ul>
    )}
  </div>
);

type SaveState =
  | { kind: 'idle' | 'saving' | 'saved' }
  | { kind: 'problem'; problem: Problem }
  | { kind: 'forbidden'; detail: string }
  | { kind: 'conflict'; current: string | null };

interface Draft {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  rule: Rule;
  /** The segment's A/B experiment, sent back as it was: the editor edits the rule. */
  experiment: Schemas['Experiment'] | null;
}

/** The rule editor, for a new segment (`id` absent) or an existing one (saved with If-Match). */
export const EditorPage = ({ id }: { id?: string }) => {
  const { api } = useSession();
  const [draft, setDraft] = useState<Draft | null>(id ? null : { id: '', name: '', description: '', enabled: true, rule: STARTER, experiment: null });
  const [etag, setEtag] = useState<string | null>(null);
  const [current] = useLoad(async (client) => (id ? client.GET('/v1/segments/{id}', { params: { path: { id } } }) : { data: undefined, response: new Response(null, { status: 204 }) }), [id]);
  const [preview, setPreview] = useState<Loaded<Preview> | null>(null);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });

  useEffect(() => {
    if (id && current.state === 'ok' && current.data && draft === null) {
      const s = current.data;
      setDraft({ id: s.id, name: s.name, description: s.description, enabled: s.enabled, rule: s.rule, experiment: s.experiment ?? null });
      setEtag(current.response.headers.get('etag'));
    }
  }, [current.state]);

  const ruleJson = draft ? JSON.stringify(draft.rule) : '';
  useEffect(() => {
    if (!draft) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      void api.POST('/v1/segments/preview', { body: { rule: draft.rule, ...(id ? { segmentId: id } : {}), sampleSize: 10 } }).then(
        (answer) => !cancelled && setPreview(classify(answer)),
        (err: unknown) => !cancelled && setPreview({ state: 'error', message: String(err) }),
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [ruleJson, api]);

  if (id && current.state !== 'ok') return <Gate loaded={current} what="segment">{() => null}</Gate>;
  if (!draft) return <p class="muted">Loading…</p>;

  const previewErrors = preview?.state === 'error' ? (preview.problem?.errors ?? []) : [];
  const saveErrors = saveState.kind === 'problem' ? (saveState.problem.errors ?? []) : [];
  const errors = [...previewErrors, ...saveErrors.filter((e) => !previewErrors.some((p) => p.path === e.path))];
  const rootErrors = errors.filter((e) => !e.path.startsWith('body.rule'));
  const setRule = (rule: Rule) => {
    setDraft({ ...draft, rule });
    if (saveState.kind === 'problem' || saveState.kind === 'saved') setSaveState({ kind: 'idle' });
  };

  const save = async () => {
    setSaveState({ kind: 'saving' });
    const body = { name: draft.name, description: draft.description, enabled: draft.enabled, rule: draft.rule, experiment: draft.experiment };
    const answer = id
      ? await api.PUT('/v1/segments/{id}', { params: { path: { id }, header: etag ? { 'if-match': etag } : {} }, body })
      : await api.POST('/v1/segments', { body: { ...body, ...(draft.id.trim() ? { id: draft.id.trim() } : {}) } });
    const outcome = classify(answer);
    if (outcome.state === 'ok') {
      const saved = outcome.data as Schemas['Segment'];
      setEtag(outcome.response.headers.get('etag'));
      setSaveState({ kind: 'saved' });
      if (!id) navigate(`/segments/${encodeURIComponent(saved.id)}`);
      return;
    }
    if (outcome.state === 'forbidden') return setSaveState({ kind: 'forbidden', detail: outcome.problem.detail });
    if (outcome.state === 'error' && outcome.problem?.status === 412) return setSaveState({ kind: 'conflict', current: answer.response.headers.get('etag') });
    if (outcome.state === 'error' || outcome.state === 'not-found' || outcome.state === 'absent') {
      return setSaveState({ kind: 'problem', problem: outcome.problem ?? { type: 'about:blank', title: 'failed', status: 0, detail: outcome.state === 'error' ? outcome.message : '', code: 'unknown' } });
    }
    setSaveState({ kind: 'idle' });
  };

  const reloadCurrent = async () => {
    if (!id) return;
    const answer = await api.GET('/v1/segments/{id}', { params: { path: { id } } });
    if (answer.data) {
      setEtag(answer.response.headers.get('etag'));
      setSaveState({ kind: 'idle' });
    }
  };

  return (
    <>
      <div class="page-head">
        <h1>{id ? `Edit ${draft.name || id}` : 'New segment'}</h1>
        {id ? <Link href={`/segments/${encodeURIComponent(id)}`}>Back to the segment</Link> : null}
      </div>
      <div class="columns editor">
        <div>
          <Section title="Definition">
            <div class="form">
              <label>Name <input aria-label="name" data-testid="segment-name" value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} /></label>
              {id ? null : (
                <label>Id <input aria-label="id" placeholder="derived from the name" value={draft.id} onInput={(e) => setDraft({ ...draft, id: e.currentTarget.value })} /></label>
              )}
              <label>Description <input aria-label="description" value={draft.description} onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })} /></label>
              <label class="inline"><input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} /> enabled</label>
            </div>
          </Section>
          <Section title="Rule">
            <div data-testid="rule-builder">
              <NodeEditor rule={draft.rule} node={draft.rule} path={[]} errors={errors} setRule={setRule} />
            </div>
            {rootErrors.map((e) => <div class="field-error" key={e.path}>{e.path.replace(/^body\./, '')}: {e.message}</div>)}
            <details class="json-details" open>
              <summary>JSON</summary>
              <JsonEditor rule={draft.rule} setRule={setRule} />
            </details>
          </Section>
          <div class="save-bar">
            <button
              class="button"
              data-testid="save"
              disabled={saveState.kind === 'saving' || saveState.kind === 'forbidden'}
              title={saveState.kind === 'forbidden' ? saveState.detail : undefined}
              onClick={() => void save()}
            >
              {id ? `Save as version ${(current.state === 'ok' && current.data ? current.data.version : 0) + 1}` : 'Create segment'}
            </button>
            <SaveMessage state={saveState} onReload={() => void reloadCurrent()} />
          </div>
        </div>
        <Section title="Preview">
          <PreviewPanel preview={preview} existing={Boolean(id)} />
        </Section>
      </div>
    </>
  );
};

const SaveMessage = ({ state, onReload }: { state: SaveState; onReload: () => void }) => {
  switch (state.kind) {
    case 'idle':
      return null;
    case 'saving':
      return <span class="muted">Saving…</span>;
    case 'saved':
      return <span class="ok" data-testid="save-message">Saved.</span>;
    case 'forbidden':
      return <span class="disabled" data-testid="save-message">Saving is not allowed with this API key ({state.detail}).</span>;
    case 'conflict':
      return (
        <span class="error" data-testid="save-message">
          412: someone saved this segment since you opened it (now version {state.current?.replace(/"/g, '') ?? '?'}). Your edits are kept here;{' '}
          <button class="link" onClick={onReload}>take the new version as the base</button> to save over it, or reload the page to start from it.
        </span>
      );
    case 'problem':
      return <span class="error" data-testid="save-message">{state.problem.status} {state.problem.title}: {state.problem.detail}</span>;
  }
};
