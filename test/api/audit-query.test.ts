/**
 * GET /api/audit: filters by actor, action and time range, cursor pagination newest first, clear
 * 400s for bad parameters, no way to change or delete a row, who may read it, and retention
 * (AUDIT_MAX_AGE_DAYS) applied by the pruner, on a clock the test moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '#shared/api/audit.ts';
import { boot, type Booted } from '../helpers/boot.ts';
import { login, offsetClock, OWNER } from '../security/fixtures.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const json = { 'content-type': 'application/json' };
const draft = (name: string) => ({ name, nodes: [{ id: 'm', type: 'trigger.manual', config: {} }], edges: [] });

const clock = offsetClock();
let sy: Booted;
/** Three phases an hour apart: [start of auth phase, start of workflow phase, start of credential phase]. */
const phase: number[] = [];
let keyId: string;
let wfIds: string[] = [];

beforeAll(async () => {
  sy = await boot({ overrides: { clock } });
  keyId = (await sy.api('/api/api-keys')).body.items[0].id;
  clock.advance(HOUR);
  phase.push(clock.now());
  await fetch(`${sy.base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: OWNER.email, password: 'definitely wrong' }) });
  await login(sy.base);
  clock.advance(HOUR);
  phase.push(clock.now());
  for (const name of ['a', 'b', 'c', 'd']) wfIds.push((await sy.api('/api/workflows', { body: draft(name) })).body.id);
  await sy.api(`/api/workflows/${wfIds[0]}`, { method: 'PUT', body: draft('a2') });
  clock.advance(HOUR);
  phase.push(clock.now());
  const cred = await sy.api('/api/credentials', { body: { name: 'tok', type: 'httpBearer', data: { token: 'x'.repeat(20) } } });
  await sy.api(`/api/credentials/${cred.body.id}`, { method: 'DELETE' });
});
afterAll(() => sy?.close());

async function page(query: string): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const r = await sy.api(`/api/audit${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
const actions = (items: AuditEntry[]) => items.map((e) => e.action);

describe('GET /api/audit', () => {
  it('lists everything newest first', async () => {
    const { items, nextCursor } = await page('');
    expect(nextCursor).toBeNull();
    expect(actions(items)).toEqual([
      'credential.deleted',
      'credential.created',
      'workflow.saved',
      'workflow.created',
      'workflow.created',
      'workflow.created',
      'workflow.created',
      'auth.login',
      'auth.login_failed',
      'api_key.created',
      'auth.setup',
    ]);
    const ats = items.map((e) => Date.parse(e.at));
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
  });

  it('filters by actor: id, name or type', async () => {
    expect(actions((await page('?actor=anonymous')).items)).toEqual(['auth.login_failed']);
    // The owner's email: what the owner did by session, and the failed login that tried that email.
    expect(actions((await page(`?actor=${encodeURIComponent(OWNER.email)}`)).items)).toEqual(['auth.login', 'auth.login_failed', 'api_key.created', 'auth.setup']);
    const byKey = (await page(`?actor=${keyId}`)).items;
    expect(byKey).toHaveLength(7);
    expect(new Set(byKey.map((e) => e.actor.name))).toEqual(new Set(['tests']));
    expect((await page('?actor=nobody@example.com')).items).toEqual([]);
  });

  it('filters by action, exactly or by subject', async () => {
    expect((await page('?action=workflow.saved')).items.map((e) => e.target)).toEqual([{ type: 'workflow', id: wfIds[0] }]);
    expect(actions((await page('?action=workflow.*')).items)).toEqual(['workflow.saved', ...wfIds.map(() => 'workflow.created')]);
    // `_` in a subject is a plain character: `a_i_key.*` would match api_key.created as a LIKE pattern.
    expect(actions((await page('?action=api_key.*')).items)).toEqual(['api_key.created']);
    expect((await page('?action=a_i_key.*')).items).toEqual([]);
    expect((await page('?action=workflow.activated')).items).toEqual([]);
  });

  it('filters by time range: from inclusive, to exclusive', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(actions((await page(`?from=${iso(phase[1]!)}&to=${iso(phase[2]!)}`)).items)).toEqual(['workflow.saved', ...wfIds.map(() => 'workflow.created')]);
    expect(actions((await page(`?from=${iso(phase[2]!)}`)).items)).toEqual(['credential.deleted', 'credential.created']);
    expect(actions((await page(`?to=${iso(phase[0]!)}`)).items)).toEqual(['api_key.created', 'auth.setup']);
    // With an offset, and combined with another filter.
    const offset = new Date(phase[0]!).toISOString().replace('Z', '+00:00');
    expect(actions((await page(`?from=${encodeURIComponent(offset)}&to=${iso(phase[1]!)}&actor=anonymous`)).items)).toEqual(['auth.login_failed']);
  });

  it('pages with the cursor, with and without filters, never repeating or skipping a row', async () => {
    const all = (await page('')).items.map((e) => e.id);
    for (const [query, expected] of [
      ['', all],
      ['&action=workflow.*', (await page('?action=workflow.*')).items.map((e) => e.id)],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const p = await page(`?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(p.items.length).toBeLessThanOrEqual(2);
        seen.push(...p.items.map((e) => e.id));
        cursor = p.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
    }
  });

  it('refuses bad parameters with 400, the code and the path', async () => {
    for (const [query, path] of [
      ['?from=yesterday', 'from'],
      ['?to=2026-13-45T00:00:00Z', 'to'],
      [`?from=${new Date(phase[1]!).toISOString()}&to=${new Date(phase[0]!).toISOString()}`, 'to'],
      ['?action=Workflow.Saved', 'action'],
      ['?action=workflow', 'action'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
    ]) {
      const r = await sy.api(`/api/audit${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.map((d: { path: string }) => d.path), query).toEqual([path]);
    }
  });

  it('is append-only through the API: no PUT, PATCH, POST or DELETE', async () => {
    const before = await page('');
    const id = before.items[0]!.id;
    for (const method of ['PUT', 'PATCH', 'POST', 'DELETE']) {
      const r = await sy.api('/api/audit', { method, body: {} });
      expect(r.status, method).toBe(405);
      expect(r.body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(r.headers.get('allow')).toBe('GET, HEAD');
      const one = await sy.api(`/api/audit/${id}`, { method, body: { action: 'auth.login' } });
      expect(one.status, `${method} /api/audit/:id`).toBe(404);
    }
    expect(await page('')).toEqual(before);
  });

  it('is for signed-in users only (the owner, by session or API key)', async () => {
    expect((await fetch(`${sy.base}/api/audit`)).status).toBe(401);
    expect((await fetch(`${sy.base}/api/audit`, { headers: { authorization: 'Bearer sy_wrong' } })).status).toBe(401);
    const { cookie } = await login(sy.base);
    const r = await fetch(`${sy.base}/api/audit?action=auth.login`, { headers: { cookie } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { items: AuditEntry[] }).items.length).toBeGreaterThan(0);
  });
});

describe('audit retention', () => {
  let short: Booted;
  const later = offsetClock();
  afterAll(() => short?.close());

  it('the pruner deletes entries older than AUDIT_MAX_AGE_DAYS and keeps the rest', async () => {
    short = await boot({ env: { AUDIT_MAX_AGE_DAYS: '30' }, overrides: { clock: later } });
    const old = (await short.api('/api/workflows', { body: draft('old') })).body.id;
    later.advance(29 * DAY);
    const recent = (await short.api('/api/workflows', { body: draft('recent') })).body.id;
    expect((await short.app.pruneNow()).auditDeleted).toBe(0);
    later.advance(2 * DAY);
    // Now setup, the API key and "old" are 31 days old; "recent" is 2.
    const { auditDeleted } = await short.app.pruneNow();
    expect(auditDeleted).toBe(3);
    const left = (await short.api('/api/audit')).body.items as AuditEntry[];
    expect(left.map((e) => `${e.action} ${e.target?.id}`)).toEqual([`workflow.created ${recent}`]);
    expect(left.some((e) => e.target?.id === old)).toBe(false);
  });
});
