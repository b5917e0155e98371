/**
 * The config panel, generated from the node definition: one field per `def.ui` entry (widget,
 * label, help, showIf, advanced folded away), validated inline with `validateNodeConfig`, with the
 * server's activation issues shown on the same fields. Nothing in here is written per node type.
 * While a past execution is viewed, the panel is read-only and opens on that step's data.
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AnyNodeDefinition, FieldUi } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { validateNodeConfig } from '#shared/graph/validate.ts';
import { Icon } from '../components/icons.tsx';
import { JsonView, StatusBadge } from '../components/ui.tsx';
import { formatDuration } from '../lib/format.ts';
import { configErrorsByKey, messagesUnder } from './field-errors.ts';
import { renderWidget } from './fields/render.tsx';
import { fieldLabel } from './node-summary.ts';
import { defaultOf, fieldSchema } from './schema.ts';
import { friendlyMessage } from './node-issues.ts';
import { isReadOnly, selectShownRun, useEditorStore } from './store.ts';
import { PollExtras, PollStatus } from './poll-extras.tsx';
import { TriggerState, WebhookExtras } from './trigger-extras.tsx';

const GROUP_WIDGETS = new Set<FieldUi['widget']>(['multiselect', 'keyValue', 'object']);

function isShown(ui: FieldUi, config: Record<string, unknown>, def: AnyNodeDefinition): boolean {
  if (ui.hidden) return false;
  if (!ui.showIf) return true;
  const other = config[ui.showIf.field] ?? defaultOf(fieldSchema(def, ui.showIf.field));
  return Array.isArray(ui.showIf.equals) ? ui.showIf.equals.includes(other) : other === ui.showIf.equals;
}

export function ConfigPanel() {
  const nodeId = useEditorStore((s) => s.selectedNodeId);
  const exists = useEditorStore((s) => (nodeId ? s.nodes.some((n) => n.id === nodeId) : false));
  return (
    <aside className="panel" aria-label="Node settings">
      {nodeId && exists ? <NodePanel key={nodeId} nodeId={nodeId} /> : <PanelHelp />}
    </aside>
  );
}

function PanelHelp() {
  const count = useEditorStore((s) => s.nodes.length);
  return (
    <div className="panel-help">
      <h3>{count === 0 ? 'Build your first workflow' : 'Select a node'}</h3>
      {count === 0 ? (
        <ol>
          <li>Drag a trigger (Webhook, Schedule…) from the left onto the canvas, or click it.</li>
          <li>Add the steps that should happen next and connect them: drag from a node’s right dot to the next node’s left dot.</li>
          <li>Click a node to configure it here. Use the <code>{'{ }'}</code> button to insert data from earlier steps.</li>
          <li>Save, test with Run or a test event, then switch it Active.</li>
        </ol>
      ) : (
        <p className="muted">Click a node on the canvas to configure it and to see its last input and output.</p>
      )}
      <h4>Shortcuts</h4>
      <dl className="shortcuts">
        <div><dt>Tab · Enter</dt><dd>reach a node · select it</dd></div>
        <div><dt>Arrows · Shift</dt><dd>move the selection (bigger steps)</dd></div>
        <div><dt>Delete</dt><dd>remove selection</dd></div>
        <div><dt>Ctrl/⌘ Z · Shift Z</dt><dd>undo · redo</dd></div>
        <div><dt>Ctrl/⌘ C · V</dt><dd>copy · paste</dd></div>
        <div><dt>Ctrl/⌘ S</dt><dd>save</dd></div>
        <div><dt>Shift + drag</dt><dd>select several</dd></div>
      </dl>
    </div>
  );
}

function NodePanel({ nodeId }: { nodeId: string }) {
  const data = useEditorStore((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  const serverIssues = useEditorStore(useShallow((s) => s.serverIssues.filter((i) => i.nodeId === nodeId)));
  const graphIssues = useEditorStore(useShallow((s) => s.graphIssues.filter((i) => i.nodeId === nodeId)));
  const step = useEditorStore((s) => selectShownRun(s)?.steps[nodeId]);
  const viewing = useEditorStore(isReadOnly);
  const [tab, setTab] = useState<'settings' | 'data'>(() => (isReadOnly(useEditorStore.getState()) ? 'data' : 'settings'));
  const def = data ? getNodeDefinition(data.type) : undefined;
  const config = data?.config;
  const localIssues = useMemo(() => (data ? validateNodeConfig({ type: data.type, config: data.config }) : []), [data]);

  if (!data || !config) return null;
  const { updateConfig, updateNode, deleteNode } = useEditorStore.getState();

  // One list: what the server said, this node's own config check, and the whole-graph check's
  // faults inside config (an expression that does not compile), each shown on its field; a nested
  // field's (config.request.url) on that field inside its group.
  const byField = configErrorsByKey([...serverIssues, ...localIssues, ...graphIssues].map((i) => ({ path: i.path, message: friendlyMessage(i.message) })));
  const nodeLevel = graphIssues.filter((i) => !i.path.startsWith('config')).map((i) => (i.path ? `${fieldLabel(def, i.path)}: ${i.message}` : i.message));

  const title = def?.title ?? data.type;
  const fields = def ? (Object.entries(def.ui) as [string, FieldUi][]).filter(([, ui]) => isShown(ui, config, def)) : [];
  const main = fields.filter(([, ui]) => !ui.advanced);
  const advanced = fields.filter(([, ui]) => ui.advanced);
  const advancedHasIssue = advanced.some(([k]) => byField.has(k));

  const renderField = ([key, ui]: [string, FieldUi]) => {
    const id = `f-${nodeId}-${key}`;
    const fieldErrors = byField.get(key);
    const errors = messagesUnder(ui.widget, fieldErrors);
    const helpId = ui.help ? `${id}-help` : undefined;
    const errId = errors.length ? `${id}-err` : undefined;
    const schema = def ? fieldSchema(def, key) : undefined;
    const isGroup = GROUP_WIDGETS.has(ui.widget);
    return (
      <div className={`field${errors.length ? ' has-error' : ''}`} key={key} data-field={key}>
        {isGroup ? (
          <span className="field-label">{ui.label}</span>
        ) : (
          <label className="field-label" htmlFor={id}>
            {ui.label}
          </label>
        )}
        {renderWidget({
          id,
          nodeId,
          fieldKey: key,
          ui,
          schema,
          value: config[key] ?? defaultOf(schema),
          config,
          invalid: errors.length > 0,
          describedBy: [helpId, errId].filter(Boolean).join(' ') || undefined,
          ...(fieldErrors ? { errors: fieldErrors } : {}),
          onChange: (v) => updateConfig(nodeId, { [key]: v }),
        })}
        {ui.help && (
          <p className="field-help" id={helpId}>
            {ui.help}
          </p>
        )}
        {errors.length > 0 && (
          <div className="field-error" id={errId} role="alert">
            {errors.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        )}
      </div>
    );
  };

  const activation = def?.kind === 'trigger' ? def.activation.kind : null;

  return (
    <div className="node-panel" data-node-id={nodeId}>
      <header className="panel-head">
        <span className={`panel-icon cat-${def?.category ?? 'unknown'}`} aria-hidden="true">
          {def?.icon ?? '?'}
        </span>
        <div className="panel-titles">
          <input
            className="input input-title"
            aria-label="Node name"
            title="Rename this step (or double-click it on the canvas)"
            value={data.name ?? ''}
            readOnly={viewing}
            placeholder={title}
            onChange={(e) => updateNode(nodeId, { name: e.target.value === '' ? undefined : e.target.value })}
          />
          <div className="muted small">
            {title} · id <code title="Use it in expressions as steps.<id>">{nodeId}</code>
          </div>
        </div>
        <button type="button" className="btn btn-icon btn-ghost" aria-label="Delete node" title="Delete node (Delete)" disabled={viewing} onClick={() => deleteNode(nodeId)}>
          <Icon name="trash" />
        </button>
      </header>
      {def && <p className="panel-desc muted small">{def.description}. Output: <code>{def.output}</code></p>}
      {!def && <p className="field-error">Unknown node type “{data.type}”: it cannot run. Delete it or install the version of Switchyard that provides it.</p>}

      {/* ARIA tabs: one tab stop; the arrow keys (and Home/End) switch tabs and move focus with them. */}
      <div
        className="tabs"
        role="tablist"
        aria-label="Node panel"
        onKeyDown={(e) => {
          if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
          e.preventDefault();
          const next = e.key === 'Home' ? 'settings' : e.key === 'End' ? 'data' : tab === 'settings' ? 'data' : 'settings';
          setTab(next);
          e.currentTarget.querySelector<HTMLElement>(`[data-tab="${next}"]`)?.focus();
        }}
      >
        <button type="button" role="tab" data-tab="settings" aria-selected={tab === 'settings'} tabIndex={tab === 'settings' ? 0 : -1} className={tab === 'settings' ? 'on' : ''} onClick={() => setTab('settings')}>
          Settings
        </button>
        <button type="button" role="tab" data-tab="data" aria-selected={tab === 'data'} tabIndex={tab === 'data' ? 0 : -1} className={tab === 'data' ? 'on' : ''} onClick={() => setTab('data')}>
          Data {step && <StatusBadge status={step.status} />}
        </button>
      </div>

      {tab === 'settings' ? (
        // A disabled fieldset disables every control in it: nothing edits a past execution's graph.
        <fieldset className="panel-body" role="tabpanel" aria-label="Settings" disabled={viewing}>
          {serverIssues.length > 0 && (
            <div className="callout callout-error" role="alert">
              <strong>Refused by the server here</strong>
              {/* Faults of a field are shown under that field; the rest are listed here. */}
              {serverIssues.some((i) => !i.path.startsWith('config.')) ? (
                <ul>
                  {serverIssues
                    .filter((i) => !i.path.startsWith('config.'))
                    .map((i) => (
                      <li key={`${i.path}:${i.message}`}>{i.path ? `${fieldLabel(def, i.path)}: ${i.message}` : i.message}</li>
                    ))}
                </ul>
              ) : (
                <p>Fix the marked {serverIssues.length === 1 ? 'field' : 'fields'} below.</p>
              )}
            </div>
          )}
          {nodeLevel.length > 0 && (
            <div className="callout callout-warn">
              {nodeLevel.map((m) => (
                <p key={m}>{m}</p>
              ))}
            </div>
          )}
          {activation === 'poll' ? <PollStatus nodeId={nodeId} /> : <TriggerState nodeId={nodeId} />}
          {activation === 'webhook' && <WebhookExtras nodeId={nodeId} />}
          {main.map(renderField)}
          {activation === 'poll' && <PollExtras nodeId={nodeId} />}
          {(advanced.length > 0 || def?.kind === 'action') && (
            <details className="advanced" open={advancedHasIssue || undefined}>
              <summary>Advanced</summary>
              {advanced.map(renderField)}
              {def?.kind === 'action' && <NodeSettings nodeId={nodeId} />}
            </details>
          )}
        </fieldset>
      ) : (
        <div className="panel-body" role="tabpanel" aria-label="Data">
          <NodeData nodeId={nodeId} />
        </div>
      )}
    </div>
  );
}

/** Retry and error handling: common to every action, so not part of any node's hints. */
function NodeSettings({ nodeId }: { nodeId: string }) {
  const data = useEditorStore((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  if (!data) return null;
  const { updateNode } = useEditorStore.getState();
  const retry = data.retry ?? { attempts: 1, delayMs: 1000 };
  return (
    <fieldset className="node-settings">
      <legend>When this step fails</legend>
      <div className="field">
        <label className="field-label" htmlFor={`ns-${nodeId}-attempts`}>
          Attempts
        </label>
        <input
          id={`ns-${nodeId}-attempts`}
          className="input"
          type="number"
          min={1}
          max={10}
          value={retry.attempts}
          onChange={(e) => {
            const attempts = Math.min(10, Math.max(1, Number(e.target.value) || 1));
            updateNode(nodeId, { retry: attempts === 1 && retry.delayMs === 1000 ? undefined : { ...retry, attempts } });
          }}
        />
        <p className="field-help">Tries in all, with exponential backoff and jitter; HTTP honours Retry-After.</p>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`ns-${nodeId}-delay`}>
          First retry after (ms)
        </label>
        <input
          id={`ns-${nodeId}-delay`}
          className="input"
          type="number"
          min={0}
          value={retry.delayMs}
          onChange={(e) => updateNode(nodeId, { retry: { ...retry, delayMs: Math.max(0, Number(e.target.value) || 0) } })}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`ns-${nodeId}-onerror`}>
          Then
        </label>
        <select
          id={`ns-${nodeId}-onerror`}
          className="input"
          value={data.onError ?? 'stop'}
          onChange={(e) => updateNode(nodeId, { onError: e.target.value === 'stop' ? undefined : 'continue' })}
        >
          <option value="stop">Stop the run</option>
          <option value="continue">Continue, passing the error on as output</option>
        </select>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`ns-${nodeId}-notes`}>
          Notes
        </label>
        <textarea
          id={`ns-${nodeId}-notes`}
          className="input"
          rows={2}
          value={data.notes ?? ''}
          onChange={(e) => updateNode(nodeId, { notes: e.target.value === '' ? undefined : e.target.value })}
        />
      </div>
    </fieldset>
  );
}

function NodeData({ nodeId }: { nodeId: string }) {
  const step = useEditorStore((s) => selectShownRun(s)?.steps[nodeId]);
  const executionId = useEditorStore((s) => selectShownRun(s)?.executionId);
  const sample = useEditorStore((s) => s.sampleData[nodeId]);
  if (!step) {
    return sample !== undefined ? (
      <>
        <p className="muted small">Sample data (no run has reached this node yet):</p>
        <JsonView value={sample} label="Output" />
      </>
    ) : (
      <p className="muted">No data yet. Press <strong>Run</strong> (or send a test event to the trigger) and this tab shows what the node received and produced.</p>
    );
  }
  return (
    <div className="step-data">
      <div className="row">
        <StatusBadge status={step.status} />
        <span className="muted small">
          {formatDuration(step.durationMs ?? null)} · {step.attempts} attempt{step.attempts === 1 ? '' : 's'}
          {step.handle ? ` · took “${step.handle}”` : ''}
        </span>
        {executionId && (
          <a className="small" href={`#/executions/${encodeURIComponent(executionId)}`}>
            Open execution
          </a>
        )}
      </div>
      {step.error && (
        <div className="callout callout-error">
          <strong>{step.error.code}</strong> {step.error.message}
        </div>
      )}
      <JsonView value={step.input} label="Input" open={false} truncated={step.truncated ?? false} />
      <JsonView value={step.output} label="Output" truncated={step.truncated ?? false} />
    </div>
  );
}
