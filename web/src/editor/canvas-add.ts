/** Adding a node through the store, saying why when it cannot be added (a second trigger). */
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { toast } from '../lib/toast.ts';
import { useEditorStore } from './store.ts';

export function addNodeWithFeedback(type: string, position: { x: number; y: number }): string | null {
  const id = useEditorStore.getState().addNode(type, position);
  if (!id) {
    const def = getNodeDefinition(type);
    toast('info', def?.kind === 'trigger' ? 'This workflow already has a trigger' : `Cannot add ${type}`, def?.kind === 'trigger' ? 'Delete the current trigger first to use another one.' : undefined);
  }
  return id;
}
