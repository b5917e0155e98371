/** The key at start: a wrong or missing key is refused with a clear message; ciphertexts cannot move between rows. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { boot, discardData, onPostgres, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sink: Awaited<ReturnType<typeof startSink>>;
const dirs: string[] = [];
const open: Booted[] = [];

beforeAll(async () => {
  sink = await startSink(() => ({ status: 200, body: { ok: true } }));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close({ keepData: true })));
});
afterAll(async () => {
  await sink?.close();
  for (const d of dirs) await discardData(d); // and on PostgreSQL the database kept for it
});

function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'switchyard-key-'));
  dirs.push(d);
  return d;
}

/** The owner exists after the first boot of a DATA_DIR, so later boots reuse its API key. */
const keys = new Map<string, string>();

async function start(dataDir: string, env: Record<string, string> = {}): Promise<Booted> {
  const b = await boot({ dataDir, env });
  open.push(b);
  if (b.apiKey) keys.set(dataDir, b.apiKey);
  const apiKey = keys.get(dataDir)!;
  return { ...b, apiKey, api: (path, init = {}) => b.api(path, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...init.headers } }) };
}
async function stop(b: Booted) {
  open.splice(open.findIndex((o) => o.app === b.app), 1);
  await b.close({ keepData: true });
}

async function runWith(sy: Booted, credentialId: string) {
  const wf = await sy.api('/api/workflows', {
    body: {
      name: 'call',
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'call', type: 'action.http', config: { url: `${sink.url}/k`, credentialId } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'call' }],
    },
  });
  const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } });
  const exec = await until(async () => {
    const r = await sy.api(`/api/executions/${run.body.executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
  return exec.steps.find((s: { nodeId: string }) => s.nodeId === 'call');
}

describe('ENCRYPTION_KEY', () => {
  it('a different key at start is refused with a clear message; the right one still works', async () => {
    const dir = tempDir();
    const keyA = randomBytes(32).toString('hex');
    const first = await start(dir, { ENCRYPTION_KEY: keyA });
    const cred = await first.api('/api/credentials', { body: { name: 't', type: 'httpBearer', data: { token: 'token-under-key-a' } } });
    await stop(first);

    await expect(boot({ dataDir: dir, env: { ENCRYPTION_KEY: randomBytes(32).toString('base64') } })).rejects.toThrow(
      /cannot start: ENCRYPTION_KEY does not match the key the stored credentials were encrypted with \(a raw ENCRYPTION_KEY\)/,
    );
    await expect(boot({ dataDir: dir, env: { ENCRYPTION_KEY: 'a passphrase that is long enough' } })).rejects.toThrow(/does not match/);
    if (onPostgres) {
      // PostgreSQL mode has no generated key file to fall back on: no key at all is refused first.
      await expect(boot({ dataDir: dir, env: { ENCRYPTION_KEY: '' } })).rejects.toThrow(/ENCRYPTION_KEY is required with DATABASE_URL/);
    } else {
      await expect(boot({ dataDir: dir })).rejects.toThrow(/ENCRYPTION_KEY is not set/);
    }

    const again = await start(dir, { ENCRYPTION_KEY: keyA });
    expect(await runWith(again, cred.body.id)).toMatchObject({ status: 'success' });
    expect(sink.requests.at(-1)!.headers.authorization).toBe('Bearer token-under-key-a');
  });

  // SQLite only: PostgreSQL mode never generates a key file (it could not be shared between
  // machines); its counterpart is the next test.
  it.skipIf(onPostgres)('without ENCRYPTION_KEY a key is generated once into DATA_DIR (0600); losing it refuses the start', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const file = join(dir, 'encryption.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await first.api('/api/credentials', { body: { name: 't', type: 'httpBearer', data: { token: 'token-under-file-key' } } });
    await stop(first);

    const second = await start(dir);
    expect((await second.api('/api/credentials')).body.items).toHaveLength(1);
    await stop(second);

    unlinkSync(file);
    await expect(boot({ dataDir: dir })).rejects.toThrow(/were encrypted with the generated key file .*encryption\.key.*Set ENCRYPTION_KEY to the key used before, or restore the key file/);
    expect(existsSync(file)).toBe(false);
  });

  it.runIf(onPostgres)('PostgreSQL mode: a start without ENCRYPTION_KEY is refused, saying it is required; no key file is generated', async () => {
    const dir = tempDir();
    const first = await start(dir); // boot gives PostgreSQL-mode servers the shared test key
    await first.api('/api/credentials', { body: { name: 't', type: 'httpBearer', data: { token: 'token-under-test-key' } } });
    await stop(first);
    expect(existsSync(join(dir, 'encryption.key'))).toBe(false);
    await expect(boot({ dataDir: dir, env: { ENCRYPTION_KEY: '' } })).rejects.toThrow(
      /ENCRYPTION_KEY is required with DATABASE_URL: every process must share one key, and a key file generated into DATA_DIR cannot be shared/,
    );
    expect(existsSync(join(dir, 'encryption.key'))).toBe(false);
  });
});

describe('row binding', () => {
  it('a ciphertext copied into another row does not decrypt there: the step fails, nothing is sent', async () => {
    const dir = tempDir();
    const sy = await start(dir);
    const a = await sy.api('/api/credentials', { body: { name: 'a', type: 'httpBearer', data: { token: 'token-of-a-123' } } });
    const b = await sy.api('/api/credentials', { body: { name: 'b', type: 'httpBearer', data: { token: 'token-of-b-456' } } });
    const db = sy.app.store.kysely;
    const { data: dataOfB } = await db.selectFrom('credentials').select('data').where('id', '=', b.body.id).executeTakeFirstOrThrow();
    await db.updateTable('credentials').set({ data: dataOfB }).where('id', '=', a.body.id).execute();
    const before = sink.requests.length;
    const step = await runWith(sy, a.body.id);
    expect(step).toMatchObject({ status: 'error', attempts: 1, error: { code: 'CREDENTIAL_UNREADABLE' } });
    expect(sink.requests.length).toBe(before);
    expect(await runWith(sy, b.body.id)).toMatchObject({ status: 'success' });
  });
});
