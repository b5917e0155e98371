/** Shared fixtures of the security suites: a movable clock, a webhook workflow, cookie logins. */
import type { Booted } from '../helpers/boot.ts';

export const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

/** Real time plus an offset the test moves: the engine keeps working, sessions and rate-limit windows can be aged. */
export function offsetClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** Creates (and by default activates) a webhook → transform workflow; returns its id and hook token. */
export async function webhookWorkflow(sy: Booted, opts: { name?: string; active?: boolean; methods?: string[]; expression?: string } = {}) {
  const wf = await sy.api('/api/workflows', {
    body: {
      name: opts.name ?? 'security fixture',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: { methods: opts.methods ?? ['POST', 'PUT', 'PATCH', 'DELETE'] } },
        { id: 'x', type: 'data.transform', config: { expression: opts.expression ?? 'input.body' } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'x' }],
    },
  });
  if (wf.status !== 201) throw new Error(`could not create the fixture workflow: ${wf.status} ${JSON.stringify(wf.body)}`);
  if (opts.active !== false) {
    const act = await sy.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' });
    if (act.status !== 200) throw new Error(`could not activate the fixture workflow: ${act.status} ${JSON.stringify(act.body)}`);
  }
  const url = wf.body.triggers[0].url as string;
  return { id: wf.body.id as string, url, token: url.slice(url.lastIndexOf('/') + 1) };
}

/** Logs in with fetch and returns the `sy_session=…` pair plus the raw Set-Cookie header. */
export async function login(base: string, creds = OWNER, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(creds) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, res, setCookie, cookie: setCookie.split(';')[0]!, body: (await res.json().catch(() => null)) as any };
}
