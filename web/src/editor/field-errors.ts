/**
 * Field messages from issue paths, so each message lands on the field it is about: `config.request.url`
 * belongs to the `url` field inside the `request` group, not to the group. A widget that renders the
 * nested fields (the object form) places them; any other widget lists them with their paths.
 */
import type { FieldUi } from '#shared/nodes/define.ts';

/** A field's messages: its own, and those of the fields inside it, keyed by their path below it. */
export type FieldErrors = { own: string[]; nested: Map<string, string[]> };

const add = (map: Map<string, string[]>, key: string, message: string) => {
  const list = map.get(key) ?? [];
  if (!list.includes(message)) map.set(key, [...list, message]);
};

/** The `config.*` issues of one node, by top-level config key. */
export function configErrorsByKey(issues: readonly { path: string; message: string }[]): Map<string, FieldErrors> {
  const byKey = new Map<string, FieldErrors>();
  for (const { path, message } of issues) {
    const [head, key, ...rest] = path.split('.');
    if (head !== 'config' || !key) continue;
    const entry: FieldErrors = byKey.get(key) ?? { own: [], nested: new Map() };
    if (rest.length === 0) {
      if (!entry.own.includes(message)) entry.own.push(message);
    } else add(entry.nested, rest.join('.'), message);
    byKey.set(key, entry);
  }
  return byKey;
}

/** The messages of the field `key` inside a group. */
export function childErrors(errors: FieldErrors | undefined, key: string): FieldErrors | undefined {
  if (!errors) return undefined;
  const own = errors.nested.get(key) ?? [];
  const nested = new Map<string, string[]>();
  for (const [path, list] of errors.nested) if (path.startsWith(`${key}.`)) nested.set(path.slice(key.length + 1), list);
  return own.length || nested.size ? { own, nested } : undefined;
}

/** Every message of a field and what is inside it, the nested ones prefixed with their path. */
export function flattenErrors(errors: FieldErrors | undefined): string[] {
  if (!errors) return [];
  return [...errors.own, ...[...errors.nested].flatMap(([path, list]) => list.map((m) => `${path}: ${m}`))];
}

/** The nested messages no shown field takes (a key the form does not render), with their paths. */
export function unplacedErrors(errors: FieldErrors | undefined, shown: ReadonlySet<string>): string[] {
  if (!errors) return [];
  return [...errors.nested].filter(([path]) => !shown.has(path.split('.')[0]!)).flatMap(([path, list]) => list.map((m) => `${path}: ${m}`));
}

/** Widgets that render their nested fields themselves, so they can show each nested message in place. */
export const placesNestedErrors = (widget: FieldUi['widget']): boolean => widget === 'object';

/** What a field shows under itself: its own messages, plus the nested ones when its widget cannot place them. */
export function messagesUnder(widget: FieldUi['widget'], errors: FieldErrors | undefined): string[] {
  return placesNestedErrors(widget) ? (errors?.own ?? []) : flattenErrors(errors);
}
