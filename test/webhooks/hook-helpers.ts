/** Shared steps for the webhook suites: credentials through the real API, hook workflows, raw deliveries. */
import type { Booted } from '../helpers/boot.ts';

/** Creates a credential through POST /api/credentials and returns its id. */
export async function credential(sy: Booted, type: 'webhookSecret' | 'httpBasic', data: Record<string, string>): Promise<string> {
  const res = await sy.api('/api/credentials', { body: { name: `${type} ${Math.random().toString(36).slice(2, 8)}`, type, data } });
  if (res.status !== 201) throw new Error(`credential not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export type HookWorkflow = { id: string; url: string };

/**
 * A workflow `hook → …rest` (by default a transform echoing the body), saved and activated.
 * `rest` nodes are chained in order after the hook.
 */
export async function hookWorkflow(sy: Booted, hookConfig: Record<string, unknown>, rest?: { id: string; type: string; config: unknown }[]): Promise<HookWorkflow> {
  const tail = rest ?? [{ id: 'echo', type: 'data.transform', config: { expression: 'input.body' } }];
  const nodes = [{ id: 'hook', type: 'trigger.webhook', config: hookConfig }, ...tail];
  const edges = tail.map((n, i) => ({ id: `e${i}`, source: i === 0 ? 'hook' : tail[i - 1]!.id, target: n.id }));
  const created = await sy.api('/api/workflows', { body: { name: 'hook test', nodes, edges } });
  if (created.status !== 201) throw new Error(`workflow not created: ${JSON.stringify(created.body)}`);
  const activated = await sy.api(`/api/workflows/${created.body.id}/activate`, { method: 'POST' });
  if (activated.status !== 200) throw new Error(`workflow not activated: ${JSON.stringify(activated.body)}`);
  return { id: created.body.id, url: created.body.triggers[0].url };
}

export type Delivery = { status: number; body: any; headers: Headers };

export async function deliver(url: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<Delivery> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' ? undefined : body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Executions of one workflow (first page is plenty for these tests). */
export async function executionsOf(sy: Booted, workflowId: string): Promise<{ id: string; status: string; mode: string }[]> {
  const res = await sy.api(`/api/executions?workflowId=${workflowId}&limit=100`);
  return res.body.items;
}

export async function triggerOf(sy: Booted, workflowId: string): Promise<{ authFailures?: number; lastError?: string | null }> {
  return (await sy.api(`/api/workflows/${workflowId}`)).body.triggers[0];
}
