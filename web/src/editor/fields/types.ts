/** The props every config widget receives from the generated config panel. */
import type { z } from 'zod';
import type { FieldUi } from '#shared/nodes/define.ts';
import type { FieldErrors } from '../field-errors.ts';

export type WidgetProps = {
  /** The id of the focusable control, for its <label>. */
  id: string;
  nodeId: string;
  fieldKey: string;
  ui: FieldUi;
  schema: z.ZodType | undefined;
  value: unknown;
  /** The whole config of the node (a cron widget reads the timezone beside it). */
  config: Record<string, unknown>;
  onChange: (value: unknown) => void;
  invalid: boolean;
  describedBy: string | undefined;
  /** The field's messages by path, for a widget that renders nested fields (see field-errors.ts). */
  errors?: FieldErrors;
};
