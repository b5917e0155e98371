/**
 * The audit log records every change a person or API key makes — logins (failed ones too), logout,
 * password changes, API keys, workflows, credentials — with actor, action, target, ip and request
 * id, and no secret value anywhere in a row. A failed audit write is logged and the action stands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '#shared/api/audit.ts';
import type { Logger } from '../../server/lib/logger.ts';
import { boot, type Booted } from '../helpers/boot.ts';
import { login, OWNER } from '../security/fixtures.ts';

/** A logger that keeps what it is told at error level (the audit write failure must be logged, not lost). */
function capturingLogger() {
  const errors: { msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (msg, fields) => void errors.push({ msg, ...(fields ? { fields } : {}) }),
    child: () => logger,
  };
  return { logger, errors };
}

const captured = capturingLogger();
let sy: Booted;
beforeAll(async () => {
  sy = await boot({ overrides: { logger: captured.logger } });
});
afterAll(() => sy?.close());

const rand = () => Math.random().toString(36).slice(2, 10);
const json = { 'content-type': 'application/json' };
const HOOK_WORKFLOW = {
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: {} },
    { id: 'x', type: 'data.transform', config: { expression: 'input.body' } },
  ],
  edges: [{ id: 'e', source: 'hook', target: 'x' }],
};

async function allEntries(): Promise<AuditEntry[]> {
  const r = await sy.api('/api/audit?limit=200');
  expect(r.status).toBe(200);
  return r.body.items;
}

/** action, actor and target of an entry, in one comparable line. */
const line = (e: AuditEntry) => `${e.action} by ${e.actor.type}:${e.actor.name} on ${e.target ? `${e.target.type}:${e.target.id}` : '-'}`;

describe('audit log: every audited action', () => {
  it('records each change with actor, action, target, detail, ip and request id, and never a secret', async () => {
    const keyId = (await sy.api('/api/api-keys')).body.items[0].id as string;
    const before = (await allEntries()).map((e) => e.id);
    // boot() made the owner and the test API key: those two were recorded already.
    expect((await allEntries()).map(line).reverse()).toEqual([
      expect.stringMatching(/^auth\.setup by user:owner@example\.com on user:usr_/),
      expect.stringMatching(/^api_key\.created by user:owner@example\.com on api_key:key_/),
    ]);
    const { id: userId } = (await sy.api('/api/auth/me')).body.user;
    const u = `user:${OWNER.email}`;
    const k = 'api_key:tests';

    const wrongPassword = `WRONG-PW-${rand()}`;
    const newPassword = `NEW-PW-${rand()}`;
    const bearer = `BEARER-SECRET-${rand()}`;
    const bearer2 = `BEARER-SECRET-2-${rand()}`;
    const basicPassword = `BASIC-PW-${rand()}`;

    // Auth, by session: a failed login (with a request id from a proxy), a login, a failed and a real password change, logout.
    const failed = await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: { ...json, 'x-request-id': 'proxy-req-41' }, body: JSON.stringify({ email: OWNER.email, password: wrongPassword }) });
    expect(failed.status).toBe(401);
    const { cookie } = await login(sy.base);
    const session = { ...json, cookie, origin: sy.base };
    const badChange = await fetch(`${sy.base}/api/auth/password`, { method: 'POST', headers: session, body: JSON.stringify({ currentPassword: wrongPassword, newPassword }) });
    expect(badChange.status).toBe(401);
    const change = await fetch(`${sy.base}/api/auth/password`, { method: 'POST', headers: session, body: JSON.stringify({ currentPassword: OWNER.password, newPassword }) });
    expect(change.status).toBe(200);
    const cookie2 = change.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${sy.base}/api/auth/logout`, { method: 'POST', headers: { cookie: cookie2, origin: sy.base } })).status).toBe(204);
    // Logging out without a session ends nothing and records nothing.
    expect((await fetch(`${sy.base}/api/auth/logout`, { method: 'POST', headers: { origin: sy.base } })).status).toBe(204);

    // API keys, by API key.
    const key = await sy.api('/api/api-keys', { body: { label: 'audit-ci' } });
    expect(key.status).toBe(201);
    expect((await sy.api(`/api/api-keys/${key.body.id}`, { method: 'DELETE' })).status).toBe(204);

    // Workflows: create, save, activate, deactivate, duplicate, import, delete.
    const wf = (await sy.api('/api/workflows', { body: { name: 'audited', ...HOOK_WORKFLOW } })).body;
    expect((await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: 'audited', ...HOOK_WORKFLOW } })).status).toBe(200);
    expect((await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' })).status).toBe(200);
    expect((await sy.api(`/api/workflows/${wf.id}/deactivate`, { method: 'POST' })).status).toBe(200);
    const copy = (await sy.api(`/api/workflows/${wf.id}/duplicate`, { method: 'POST' })).body;
    const exported = (await sy.api(`/api/workflows/${wf.id}/export`)).body;
    const imported = (await sy.api('/api/workflows/import', { body: exported })).body;
    expect((await sy.api(`/api/workflows/${copy.id}`, { method: 'DELETE' })).status).toBe(204);
    // A refused change is not a change: nothing is recorded for it.
    expect((await sy.api('/api/workflows/wf_missing/activate', { method: 'POST' })).status).toBe(404);

    // Credentials with distinctive secrets: create, change (a value and the name), delete.
    const cred = await sy.api('/api/credentials', { body: { name: 'billing api', type: 'httpBearer', data: { token: bearer } } });
    expect(cred.status).toBe(201);
    expect((await sy.api(`/api/credentials/${cred.body.id}`, { method: 'PUT', body: { name: 'billing api v2', data: { token: bearer2 } } })).status).toBe(200);
    const basic = await sy.api('/api/credentials', { body: { name: 'basic', type: 'httpBasic', data: { username: 'svc', password: basicPassword } } });
    expect((await sy.api(`/api/credentials/${cred.body.id}`, { method: 'DELETE' })).status).toBe(204);

    const entries = (await allEntries()).filter((e) => !before.includes(e.id)).reverse();
    expect(entries.map(line)).toEqual([
      `auth.login_failed by anonymous:${OWNER.email} on -`,
      `auth.login by ${u} on user:${userId}`,
      `auth.password_change_failed by ${u} on user:${userId}`,
      `auth.password_changed by ${u} on user:${userId}`,
      `auth.logout by ${u} on user:${userId}`,
      `api_key.created by ${k} on api_key:${key.body.id}`,
      `api_key.deleted by ${k} on api_key:${key.body.id}`,
      `workflow.created by ${k} on workflow:${wf.id}`,
      `workflow.saved by ${k} on workflow:${wf.id}`,
      `workflow.activated by ${k} on workflow:${wf.id}`,
      `workflow.deactivated by ${k} on workflow:${wf.id}`,
      `workflow.created by ${k} on workflow:${copy.id}`,
      `workflow.imported by ${k} on workflow:${imported.id}`,
      `workflow.deleted by ${k} on workflow:${copy.id}`,
      `credential.created by ${k} on credential:${cred.body.id}`,
      `credential.changed by ${k} on credential:${cred.body.id}`,
      `credential.created by ${k} on credential:${basic.body.id}`,
      `credential.deleted by ${k} on credential:${cred.body.id}`,
    ]);
    const byAction = (a: string) => entries.filter((e) => e.action === a);

    // Actors: a failed login is anonymous (naming the email tried); API-key actions name the key by id and label.
    expect(entries[0]!.actor).toEqual({ type: 'anonymous', id: null, name: OWNER.email });
    expect(entries[0]!.detail).toEqual({ reason: 'wrong_credentials' });
    expect(entries[0]!.requestId).toBe('proxy-req-41');
    expect(entries[1]!.actor).toEqual({ type: 'user', id: userId, name: OWNER.email });
    expect(entries[1]!.requestId).toBeNull();
    expect(byAction('workflow.saved')[0]!.actor).toEqual({ type: 'api_key', id: keyId, name: 'tests' });
    for (const e of entries) {
      expect(e.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(Date.parse(e.at)).toBeGreaterThan(Date.now() - 60_000);
    }

    // Details: small facts — versions, names, types, which fields changed.
    expect(byAction('api_key.created')[0]!.detail).toEqual({ label: 'audit-ci' });
    expect(byAction('api_key.deleted')[0]!.detail).toEqual({ label: 'audit-ci' });
    expect(byAction('workflow.created').map((e) => e.detail)).toEqual([
      { name: 'audited', version: 1 },
      { name: 'audited (copy)', version: 1, duplicateOf: wf.id },
    ]);
    expect(byAction('workflow.saved')[0]!.detail).toEqual({ name: 'audited', version: 2 });
    expect(byAction('workflow.activated')[0]!.detail).toEqual({ name: 'audited', version: 2 });
    expect(byAction('workflow.imported')[0]!.detail).toEqual({ name: imported.name, version: 1 });
    expect(byAction('workflow.deleted')[0]!.detail).toEqual({ name: 'audited (copy)', version: 1 });
    expect(byAction('credential.created').map((e) => e.detail)).toEqual([
      { name: 'billing api', type: 'httpBearer' },
      { name: 'basic', type: 'httpBasic' },
    ]);
    expect(byAction('credential.changed')[0]!.detail).toEqual({ name: 'billing api v2', type: 'httpBearer', fields: ['token'], previousName: 'billing api' });
    expect(byAction('credential.deleted')[0]!.detail).toEqual({ name: 'billing api v2', type: 'httpBearer' });

    // No secret anywhere: not in the API's rows, not in the table itself.
    const stored = JSON.stringify(await sy.app.store.kysely.selectFrom('audit_log').selectAll().execute());
    const served = JSON.stringify(await allEntries());
    for (const secret of [wrongPassword, newPassword, OWNER.password, bearer, bearer2, basicPassword, sy.apiKey, key.body.key, cookie.split('=')[1]!, cookie2.split('=')[1]!]) {
      expect(stored).not.toContain(secret);
      expect(served).not.toContain(secret);
    }
  });

  it('records runs a person starts (manual, retry, replay), and nothing for the webhook requests themselves', async () => {
    const manual = (await sy.api('/api/workflows', { body: { name: 'by hand', nodes: [{ id: 'm', type: 'trigger.manual', config: {} }], edges: [] } })).body;
    const run = await sy.api(`/api/workflows/${manual.id}/run`, { body: { payload: { card: 'PAYLOAD-NOT-AUDITED' } } });
    expect(run.status).toBe(202);
    await sy.app.queue.idle();
    const retry = await sy.api(`/api/executions/${run.body.executionId}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);

    const hooked = (await sy.api('/api/workflows', { body: { name: 'hooked', ...HOOK_WORKFLOW } })).body;
    const url = (await sy.api(`/api/workflows/${hooked.id}/activate`, { method: 'POST' })).body.triggers[0].url as string;
    const since = (await allEntries())[0]!.id;
    for (let i = 0; i < 3; i++) expect((await fetch(url, { method: 'POST', headers: json, body: JSON.stringify({ i }) })).status).toBe(202);
    await sy.app.queue.idle();
    await sy.app.services.webhooks.flushLog();
    const requests = (await sy.api(`/api/workflows/${hooked.id}/nodes/hook/requests`)).body.items as { id: string }[];
    expect(requests).toHaveLength(3);
    // Three webhook executions, and the log did not move.
    expect((await allEntries())[0]!.id).toBe(since);
    const replay = await sy.api(`/api/workflows/${hooked.id}/nodes/hook/requests/${requests[0]!.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);

    const runs = (await sy.api('/api/audit?action=execution.*')).body.items as AuditEntry[];
    expect(runs.map((e) => [e.action, e.target, e.detail]).reverse()).toEqual([
      ['execution.started', { type: 'execution', id: run.body.executionId }, { workflowId: manual.id, mode: 'manual' }],
      ['execution.retried', { type: 'execution', id: retry.body.executionId }, { retryOf: run.body.executionId, from: 'start', version: 'original' }],
      ['execution.replayed', { type: 'execution', id: replay.body.executionId }, { workflowId: hooked.id, nodeId: 'hook', requestId: requests[0]!.id }],
    ]);
    expect(JSON.stringify(await allEntries())).not.toContain('PAYLOAD-NOT-AUDITED');
  });

  it('records refused logins past the rate limit once per window, not once per request', async () => {
    const victim = `victim-${rand()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) {
      const r = await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: victim, password: 'not the password' }) });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const rows = (await sy.api(`/api/audit?actor=${encodeURIComponent(victim)}`)).body.items as AuditEntry[];
    expect(rows.map((e) => `${e.action}:${String(e.detail.reason)}`).reverse()).toEqual([
      ...Array.from({ length: 10 }, () => 'auth.login_failed:wrong_credentials'),
      'auth.login_failed:rate_limited',
    ]);
    // A login body that is not an email is refused before any attempt: nothing to record.
    expect((await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'hunter2-typed-here', password: 'x'.repeat(8) }) })).status).toBe(400);
    expect(JSON.stringify(await allEntries())).not.toContain('hunter2-typed-here');
  });

  it('bulk changes (the hook for them) write one row per target, tied together', async () => {
    const ids = ['wf_bulk_a', 'wf_bulk_b', 'wf_bulk_c'];
    const ctx = { actor: { type: 'user', id: 'usr_x', name: OWNER.email }, ip: '127.0.0.1', requestId: null } as const;
    await sy.app.services.audit.recordBulk(ctx, { action: 'workflow.deactivated' }, ids.map((id) => ({ type: 'workflow', id })));
    const rows = ((await sy.api('/api/audit?action=workflow.deactivated')).body.items as AuditEntry[]).filter((e) => e.target?.id.startsWith('wf_bulk_'));
    expect(rows.map((e) => e.target!.id).reverse()).toEqual(ids);
    const first = rows[rows.length - 1]!.id;
    for (const r of rows) expect(r.detail).toEqual({ bulk: { id: first, size: 3 } });
  });

  it('a detail drops secret-named keys whatever a caller passes, and a payload-sized one becomes a marker', async () => {
    const ctx = { actor: { type: 'user', id: 'usr_x', name: OWNER.email }, ip: null, requestId: null } as const;
    const target = { type: 'credential', id: 'cred_detail_check' } as const;
    await sy.app.services.audit.record(ctx, { action: 'credential.changed', target, detail: { name: 'n', password: 'P1', apiToken: 'T1', clientSecret: 'S1', data: { x: 1 }, value: 'V1', key: 'K1' } });
    await sy.app.services.audit.record(ctx, { action: 'credential.changed', target, detail: { name: 'x'.repeat(5000) } });
    const rows = ((await sy.api('/api/audit?actor=usr_x&action=credential.changed')).body.items as AuditEntry[]).filter((e) => e.target?.id === target.id);
    expect(rows.map((e) => e.detail)).toEqual([{ truncated: true }, { name: 'n' }]);
  });

  it('a failed audit write is logged and does not fail the action', async () => {
    const db = sy.app.store.kysely;
    await db.schema.alterTable('audit_log').renameTo('audit_log_away').execute();
    let created: { status: number; body: any };
    try {
      created = await sy.api('/api/workflows', { body: { name: 'unaudited', ...HOOK_WORKFLOW } });
    } finally {
      await db.schema.alterTable('audit_log_away').renameTo('audit_log').execute();
    }
    expect(created.status).toBe(201);
    expect((await sy.api(`/api/workflows/${created.body.id}`)).status).toBe(200);
    const logged = captured.errors.filter((e) => e.msg === 'audit write failed');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ action: 'workflow.created', targetType: 'workflow', targetId: created.body.id });
    // The next change is recorded again.
    const next = await sy.api(`/api/workflows/${created.body.id}`, { method: 'DELETE' });
    expect(next.status).toBe(204);
    expect((await allEntries())[0]).toMatchObject({ action: 'workflow.deleted', target: { type: 'workflow', id: created.body.id } });
  });
});
