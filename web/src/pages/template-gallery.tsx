/** The template gallery: each card imports its template as an inactive draft and opens it. */
import { useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { navigate } from '../lib/router.ts';
import { toast } from '../lib/toast.ts';
import { TEMPLATES, type WorkflowTemplate } from '../templates/catalog.ts';

/** Imports `t` (a name already taken gets "(copy)") and opens it in the editor. */
export async function startFromTemplate(t: WorkflowTemplate): Promise<void> {
  try {
    const wf = await api.workflows.importDoc(t.doc);
    toast('info', `“${wf.name}” is a draft`, 'The notes marked “Fill in” say what to set before you activate it.');
    navigate(`/workflows/${encodeURIComponent(wf.id)}`);
  } catch (e) {
    toast('error', 'Could not use the template', errorMessage(e));
  }
}

export function TemplateGallery({ heading = 'Start from a template' }: { heading?: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  return (
    <section className="templates" aria-label="Templates">
      <h2 className="templates-head">{heading}</h2>
      <ul className="template-grid">
        {TEMPLATES.map((t) => (
          // The button's name holds its visible title (WCAG 2.5.3); the summary beside it is its
          // description, and the button's ::after makes the whole card its target.
          <li key={t.id} className="template-card">
            <button
              type="button"
              className="template-use hit-area"
              disabled={busy !== null}
              aria-label={`Use template: ${t.title}`}
              aria-describedby={`tpl-${t.id}`}
              onClick={() => {
                setBusy(t.id);
                void startFromTemplate(t).finally(() => setBusy(null));
              }}
            >
              <span className="template-icon" aria-hidden="true">
                {t.icon}
              </span>
              <strong>{t.title}</strong>
            </button>
            <span className="muted small" id={`tpl-${t.id}`}>
              {busy === t.id ? 'Creating…' : t.summary}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
