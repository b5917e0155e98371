/** Picks the widget for a field's `ui.widget`; the config panel and nested object forms both use it. */
import type { ReactNode } from 'react';
import { MultiSelectWidget, NumberWidget, SelectWidget, SwitchWidget, TextareaWidget, TextWidget } from './basic.tsx';
import { CasesWidget } from './cases-widget.tsx';
import { ConditionWidget } from './condition-widget.tsx';
import { WorkflowWidget } from './workflow-widget.tsx';
import { WorkflowsWidget } from './workflows-widget.tsx';
import { CredentialWidget } from './credential-widget.tsx';
import { CronWidget } from './cron-widget.tsx';
import { ExpressionWidget } from './expression-widget.tsx';
import { JsonWidget } from './json-widget.tsx';
import { KeyValueWidget } from './key-value.tsx';
import { ObjectWidget } from './object-widget.tsx';
import { TimezoneWidget } from './timezone-widget.tsx';
import type { WidgetProps } from './types.ts';

export function renderWidget(props: WidgetProps): ReactNode {
  switch (props.ui.widget) {
    case 'text':
      return <TextWidget {...props} />;
    case 'textarea':
      return <TextareaWidget {...props} />;
    case 'number':
      return <NumberWidget {...props} />;
    case 'select':
      return <SelectWidget {...props} />;
    case 'multiselect':
      return <MultiSelectWidget {...props} />;
    case 'switch':
      return <SwitchWidget {...props} />;
    case 'keyValue':
      return <KeyValueWidget {...props} />;
    case 'json':
      return <JsonWidget {...props} />;
    case 'expression':
      return <ExpressionWidget {...props} />;
    case 'condition':
      return <ConditionWidget {...props} />;
    case 'cases':
      return <CasesWidget {...props} />;
    case 'credential':
      return <CredentialWidget {...props} />;
    case 'workflow':
      return <WorkflowWidget {...props} />;
    case 'workflows':
      return <WorkflowsWidget {...props} />;
    case 'cron':
      return <CronWidget {...props} />;
    case 'timezone':
      return <TimezoneWidget {...props} />;
    case 'object':
      return <ObjectWidget {...props} />;
    default: {
      // Every FieldWidget (shared/nodes/define.ts's FIELD_WIDGETS) has a case above: a new one fails here at compile time.
      const unrendered: never = props.ui.widget;
      void unrendered;
      return <TextWidget {...props} />;
    }
  }
}
