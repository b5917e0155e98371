/**
 * Arms and disarms a workflow's trigger when it is activated, deactivated, edited while active,
 * deleted, and at boot (restoreAll). Each activation kind plugs in a TriggerKind; webhooks are
 * armed by the token table itself (hooks only run for active workflows), so their kind is light.
 */
import type { Issue } from '#shared/issues.ts';
import type { AnyNodeDefinition } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { TriggerInfo, WorkflowNode } from '#shared/workflow.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import type { Logger } from '../lib/logger.ts';

export type TriggerKind = {
  /** Extra activation checks beyond the shared graph validation (the poller re-checks its expressions with the sandbox's rules). */
  validate?(node: WorkflowNode, index: number): Issue[] | Promise<Issue[]>;
  arm(wf: WorkflowRecord, node: WorkflowNode): Promise<void>;
  disarm(workflowId: string, opts: { clearState: boolean }): Promise<void>;
  /** Derived read-only fields shown in `workflow.triggers`. */
  info?(wf: WorkflowRecord, node: WorkflowNode): Partial<TriggerInfo> | Promise<Partial<TriggerInfo>>;
  stop?(): Promise<void>;
};

export type Activator = ReturnType<typeof createActivator>;

export function createActivator(kinds: Partial<Record<string, TriggerKind>>, logger: Logger) {
  const triggerOf = (wf: { nodes: WorkflowNode[] }): { node: WorkflowNode; def: AnyNodeDefinition; index: number } | undefined => {
    const index = wf.nodes.findIndex((n) => getNodeDefinition(n.type)?.kind === 'trigger');
    if (index < 0) return undefined;
    const node = wf.nodes[index]!;
    return { node, def: getNodeDefinition(node.type)!, index };
  };
  const kindOf = (def: AnyNodeDefinition) => (def.kind === 'trigger' ? kinds[def.activation.kind] : undefined);

  return {
    triggerOf,
    async validate(wf: { nodes: WorkflowNode[] }): Promise<Issue[]> {
      const t = triggerOf(wf);
      if (!t) return [];
      return (await kindOf(t.def)?.validate?.(t.node, t.index)) ?? [];
    },
    /** Idempotent: re-arming replaces whatever was armed for this workflow. */
    async arm(wf: WorkflowRecord): Promise<void> {
      await this.disarm(wf.id, { clearState: false });
      const t = triggerOf(wf);
      if (!t) return;
      await kindOf(t.def)?.arm(wf, t.node);
      logger.info('trigger armed', { workflowId: wf.id, type: t.node.type, version: wf.version });
    },
    async disarm(workflowId: string, opts: { clearState: boolean }): Promise<void> {
      for (const k of Object.values(kinds)) await k?.disarm(workflowId, opts);
    },
    async info(wf: WorkflowRecord): Promise<TriggerInfo[]> {
      const t = triggerOf(wf);
      if (!t) return [];
      const extra = (await kindOf(t.def)?.info?.(wf, t.node)) ?? {};
      return [{ nodeId: t.node.id, type: t.node.type, ...extra }];
    },
    async restoreAll(active: WorkflowRecord[]): Promise<void> {
      for (const wf of active) {
        try {
          await this.arm(wf);
        } catch (err) {
          // One broken workflow must not keep the others' triggers down; it stays visible in the log.
          logger.error('trigger failed to arm at boot', { workflowId: wf.id, err: String(err) });
        }
      }
    },
    async stop(): Promise<void> {
      for (const k of Object.values(kinds)) await k?.stop?.();
    },
  };
}
