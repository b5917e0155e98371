import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { expressionIssues } from '#shared/graph/expressions.ts';
import { validateGraph } from '#shared/graph/validate.ts';
import { WorkflowDraft } from '#shared/workflow.ts';
import { TEMPLATES } from './catalog.ts';

describe('workflow templates', () => {
  it('offers at least ten, with distinct ids and names', () => {
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(10);
    expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
    expect(new Set(TEMPLATES.map((t) => t.doc.name)).size).toBe(TEMPLATES.length);
  });

  it.each(TEMPLATES.map((t) => [t.id, t] as const))('%s is a valid draft that could be activated once filled in', (_id, t) => {
    expect(WorkflowDraft.safeParse(t.doc).success).toBe(true);
    expect(validateGraph(t.doc)).toEqual([]);
    expect(expressionIssues(t.doc, jsonata)).toEqual([]);
  });

  it('says what to fill in on the nodes that need it', () => {
    for (const t of TEMPLATES) expect(t.doc.nodes.some((n) => n.notes?.startsWith('Fill in:')), t.id).toBe(true);
  });
});
