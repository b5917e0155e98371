/**
 * /api/credentials (write-only secrets: responses say which fields are set, never values) and /api/outbox.
 * Credential changes are audited with the name, the type and which fields changed: never a value.
 */
import { Router } from 'express';
import { CreateCredentialBody, ListOutboxQuery, UpdateCredentialBody } from '#shared/api/credentials.ts';
import type { CredentialService } from '../../services/credential.service.ts';
import type { OutboxService } from '../../services/outbox.service.ts';
import type { Audit } from '../audit-context.ts';
import { parse } from '../parse.ts';

const target = (c: { id: string }) => ({ type: 'credential', id: c.id }) as const;

export function credentialRoutes(credentials: CredentialService, audit: Audit): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(await credentials.list());
  });
  r.post('/', async (req, res) => {
    const cred = await credentials.create(parse(CreateCredentialBody, req.body));
    await audit(req, { action: 'credential.created', target: target(cred), detail: { name: cred.name, type: cred.type } });
    res.status(201).json(cred);
  });
  r.get('/:id', async (req, res) => {
    res.json(await credentials.get(req.params.id));
  });
  r.put('/:id', async (req, res) => {
    const body = parse(UpdateCredentialBody, req.body);
    const before = await credentials.get(req.params.id);
    const cred = await credentials.update(req.params.id, body);
    // Field names only (which were set or cleared), and a rename: the values stay out of the log.
    const fields = Object.keys(body.data ?? {}).sort();
    const renamed = before.name !== cred.name ? { previousName: before.name } : {};
    await audit(req, { action: 'credential.changed', target: target(cred), detail: { name: cred.name, type: cred.type, fields, ...renamed } });
    res.json(cred);
  });
  r.delete('/:id', async (req, res) => {
    const { name, type } = await credentials.get(req.params.id);
    await credentials.remove(req.params.id);
    await audit(req, { action: 'credential.deleted', target: { type: 'credential', id: req.params.id }, detail: { name, type } });
    res.status(204).end();
  });
  return r;
}

export function outboxRoutes(outbox: OutboxService): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    res.json(await outbox.list(parse(ListOutboxQuery, req.query, 'query')));
  });
  return r;
}
