/**
 * An expression field: text with `{{ }}` templates (one line, or several for message bodies) or bare
 * JSONata for conditions and transforms,
 * a data picker that inserts paths at the caret, and a live preview against the known sample data.
 */
import { COMPILE_FAULT } from '#shared/graph/expressions.ts';
import { hasTemplate, isJsonataField } from '../expressions.ts';
import { Picker, PickerButton, PreviewOutput, useIsTrigger, usePicker, usePreview } from './pickable.tsx';
import type { WidgetProps } from './types.ts';

const asString = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v));

export function ExpressionWidget({ id, nodeId, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  const text = asString(value);
  const jsonata = isJsonataField(ui);
  const isTrigger = useIsTrigger(nodeId);
  const picker = usePicker<HTMLInputElement & HTMLTextAreaElement>(text, (next) => onChange(next), (path) => (jsonata ? path : `{{ ${path} }}`));
  // A trigger's JSONata fields (a poll's items and key) read the response it fetches: nothing to
  // pick or preview here. Its templates (a poll's URL) see the built-ins, `now` and `workflow`.
  const pickable = !(isTrigger && jsonata);
  const shouldPreview = pickable && text !== '' && (jsonata || hasTemplate(text));
  const result = usePreview(nodeId, text, jsonata, shouldPreview);

  const common = {
    ...picker.track,
    id,
    className: 'input mono',
    value: text,
    placeholder: ui.placeholder ?? (jsonata ? 'JSONata, e.g. input.body.total > 100' : 'Text, may hold {{ expressions }}'),
    readOnly: ui.readOnly,
    spellCheck: false,
    'aria-invalid': invalid || undefined,
    'aria-describedby': [describedBy, shouldPreview ? `${id}-preview` : undefined].filter(Boolean).join(' ') || undefined,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value === '' ? undefined : e.target.value),
  };

  return (
    <div className="expr">
      <div className="expr-row">
        {jsonata || ui.multiline ? <textarea rows={jsonata ? 2 : 5} {...common} /> : <input type="text" {...common} />}
        {pickable && <PickerButton label={ui.label} open={picker.open} onToggle={() => picker.setOpen(!picker.open)} remember={picker.remember} />}
      </div>
      <Picker nodeId={nodeId} label={ui.label} open={picker.open} onPick={picker.insert} onClose={() => picker.setOpen(false)} />
      {/* A compile fault is already the field's own error message, in the same words: not twice. */}
      {shouldPreview && !(invalid && result && !result.ok && result.error.startsWith(COMPILE_FAULT)) && <PreviewOutput id={`${id}-preview`} label={ui.label} result={result} />}
    </div>
  );
}
