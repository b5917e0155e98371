/** The text of alert e-mails (pure): what failed, where, how often, and the link to the execution. */
import type { MailMessage } from '#shared/nodes/define.ts';
import type { AlertRow } from '../../db/repos/alert.repo.ts';
import { executionUrl } from '../error-dispatch.ts';

export function alertMail(alert: AlertRow, workflowName: string, publicUrl: string): MailMessage {
  const to = JSON.parse(alert.recipients) as string[];
  const link = executionUrl(publicUrl, alert.execution_id);
  const messageId = `<${alert.id}@switchyard.alerts>`;
  if (alert.kind === 'recovery') {
    return {
      to,
      messageId,
      subject: `[Switchyard] Recovered: ${workflowName}`,
      text: [`Workflow "${workflowName}" (${alert.workflow_id}) succeeded again after failing.`, '', `Execution: ${link}`, ''].join('\n'),
    };
  }
  const node = alert.node_id ? `${alert.node_id} (${alert.node_type ?? 'unknown type'})` : 'none (the execution failed outside a node)';
  const repeats =
    alert.repeats > 0
      ? [`This failure repeated ${alert.repeats} more ${alert.repeats === 1 ? 'time' : 'times'} since the last alert; ${alert.repeats === 1 ? 'that repeat was' : 'those repeats were'} suppressed.`, '']
      : [];
  return {
    to,
    messageId,
    subject: `[Switchyard] Failed: ${workflowName} at ${alert.node_id ?? 'the execution'} (${alert.error_code ?? 'ERROR'})`,
    text: [
      `Workflow "${workflowName}" (${alert.workflow_id}) failed.`,
      '',
      `Failed node: ${node}`,
      `Error: ${alert.error_code ?? 'ERROR'}: ${alert.error_message ?? ''}`,
      `Execution: ${link}`,
      '',
      ...repeats,
      'Further failures with the same node and error code are suppressed for an hour.',
      '',
    ].join('\n'),
  };
}
