/** React Flow node types, defined once at module scope (a new object per render would remount every node). */
import type { NodeTypes } from '@xyflow/react';
import { WorkflowNodeView } from './workflow-node.tsx';

export const nodeTypes: NodeTypes = { workflow: WorkflowNodeView };
