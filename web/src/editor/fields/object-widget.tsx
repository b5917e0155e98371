/**
 * Nested configs (webhook auth and response, a poll's request) as a small form inferred from the
 * zod schema: a discriminated union becomes a type select plus that option's fields. JSON editing
 * stays one click away for anything the inference cannot show.
 */
import { useState, type ReactNode } from 'react';
import type { z } from 'zod';
import type { FieldUi } from '#shared/nodes/define.ts';
import { defaultOf, humanize, isOptional, objectShape, schemaKind, unionShape, unwrap } from '../schema.ts';
import { childErrors, messagesUnder, placesNestedErrors, unplacedErrors } from '../field-errors.ts';
import { JsonWidget } from './json-widget.tsx';
import type { WidgetProps } from './types.ts';
import { renderWidget } from './render.tsx';

function inferUi(key: string, schema: z.ZodType): FieldUi {
  const label = humanize(key);
  if (key === 'credentialId') return { label, widget: 'credential' };
  const kind = schemaKind(schema);
  if (kind === 'enum' || kind === 'literal') return { label, widget: 'select' };
  if (kind === 'number' || kind === 'int') return { label, widget: 'number' };
  if (kind === 'boolean') return { label, widget: 'switch' };
  if (kind === 'record') return { label, widget: 'keyValue' };
  if (kind === 'string') return { label, widget: key === 'url' ? 'expression' : 'text', ...(key === 'url' ? { placeholder: 'https://api.example.com/items' } : {}) };
  if (kind === 'array') {
    const el = unwrap((unwrap(schema) as unknown as { element: z.ZodType }).element);
    if (schemaKind(el) === 'enum') return { label, widget: 'multiselect' };
  }
  return { label, widget: 'json' };
}

const asObject = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A nested field's messages, placed under it (or handed on, when its widget places its own). */
function NestedField({ props, fieldKey, ui, children }: { props: WidgetProps; fieldKey: string; ui: FieldUi; children: (p: Pick<WidgetProps, 'invalid' | 'describedBy' | 'errors'>) => ReactNode }) {
  const id = `${props.id}-${fieldKey}`;
  const errors = childErrors(props.errors, fieldKey);
  const messages = messagesUnder(ui.widget, errors);
  const errId = messages.length ? `${id}-err` : undefined;
  return (
    <div className={`field field-nested${messages.length ? ' has-error' : ''}`} data-field={`${props.fieldKey}.${fieldKey}`}>
      {ui.widget === 'keyValue' || ui.widget === 'multiselect' ? (
        <span className="field-label">{ui.label}</span>
      ) : (
        <label className="field-label" htmlFor={id}>
          {ui.label}
        </label>
      )}
      {children({ invalid: messages.length > 0, describedBy: errId, ...(errors && placesNestedErrors(ui.widget) ? { errors } : {}) })}
      {errId && (
        <div className="field-error" id={errId} role="alert">
          {messages.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
    </div>
  );
}

function ShapeFields({ props, shape, value, skip }: { props: WidgetProps; shape: Record<string, z.ZodType>; value: Record<string, unknown>; skip?: string }) {
  return (
    <>
      {Object.entries(shape).map(([key, schema]) => {
        if (key === skip) return null;
        const ui = inferUi(key, schema);
        const v = value[key] ?? defaultOf(schema);
        return (
          <NestedField key={key} props={props} fieldKey={key} ui={ui}>
            {(placed) => {
              // The group's messages are not the child's: only `placed` hands the child its own.
              const { errors: _group, ...rest } = props;
              return renderWidget({
                ...rest,
                ...placed,
                id: `${props.id}-${key}`,
                fieldKey: `${props.fieldKey}.${key}`,
                ui,
                schema,
                value: v,
                onChange: (next) => {
                  const out = { ...value, [key]: next };
                  if (next === undefined) delete out[key];
                  props.onChange(out);
                },
              });
            }}
          </NestedField>
        );
      })}
    </>
  );
}

/** Nested messages the form has no field for (or all of them, while it is edited as JSON). */
function Unplaced({ messages }: { messages: string[] }) {
  if (!messages.length) return null;
  return (
    <div className="field-error" role="alert">
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

export function ObjectWidget(props: WidgetProps) {
  const { id, ui, schema, value, onChange } = props;
  const [asJson, setAsJson] = useState(false);
  const union = schema ? unionShape(schema) : null;
  const shape = schema && !union ? objectShape(schema) : null;
  const obj = asObject(value ?? defaultOf(schema));
  const optional = isOptional(schema);

  // An optional nested config (a rate limit, CORS) stays absent until asked for.
  if (optional && value === undefined) {
    return (
      <div className="object-field" role="group" aria-label={ui.label}>
        <button type="button" id={id} className="btn btn-small" onClick={() => onChange({})}>
          + Set {ui.label.toLowerCase()}
        </button>
        <Unplaced messages={unplacedErrors(props.errors, new Set())} />
      </div>
    );
  }

  let form = null;
  /** The keys the form shows a field for: their messages are placed there. */
  let formKeys: string[] = [];
  if (union) {
    const current = String(obj[union.discriminator] ?? union.options[0]?.value ?? '');
    const option = union.options.find((o) => o.value === current);
    formKeys = [union.discriminator, ...Object.keys(option?.shape ?? {})];
    form = (
      <>
        <NestedField props={props} fieldKey={union.discriminator} ui={{ label: humanize(union.discriminator), widget: 'select' }}>
          {(placed) => (
            <select
              id={`${id}-${union.discriminator}`}
              className="input"
              aria-invalid={placed.invalid || undefined}
              aria-describedby={placed.describedBy}
              value={current}
              onChange={(e) => {
                const next = union.options.find((o) => o.value === e.target.value);
                const fresh: Record<string, unknown> = { [union.discriminator]: e.target.value };
                for (const [k, s] of Object.entries(next?.shape ?? {})) {
                  const d = k === union.discriminator ? undefined : defaultOf(s);
                  if (d !== undefined) fresh[k] = d;
                }
                onChange(fresh);
              }}
            >
              {union.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.value}
                </option>
              ))}
            </select>
          )}
        </NestedField>
        {option && <ShapeFields props={props} shape={option.shape} value={obj} skip={union.discriminator} />}
      </>
    );
  } else if (shape) {
    formKeys = Object.keys(shape);
    form = <ShapeFields props={props} shape={shape} value={obj} />;
  }
  const asForm = form !== null && !asJson;

  return (
    <div className="object-field" role="group" aria-label={ui.label}>
      {asForm ? form : <JsonWidget {...props} />}
      <Unplaced messages={unplacedErrors(props.errors, new Set(asForm ? formKeys : []))} />
      <div className="row">
        {form && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsJson(!asJson)}>
            {asJson ? 'Edit as form' : 'Edit as JSON'}
          </button>
        )}
        {optional && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(undefined)}>
            Remove
          </button>
        )}
      </div>
    </div>
  );
}
