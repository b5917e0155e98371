/** /api/credentials (write-only secrets: responses say which fields are set, never values) and /api/outbox. */
import { Router } from 'express';
import { CreateCredentialBody, ListOutboxQuery, UpdateCredentialBody } from '#shared/api/credentials.ts';
import type { CredentialService } from '../../services/credential.service.ts';
import type { OutboxService } from '../../services/outbox.service.ts';
import { parse } from '../parse.ts';

export function credentialRoutes(credentials: CredentialService): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(await credentials.list());
  });
  r.post('/', async (req, res) => {
    res.status(201).json(await credentials.create(parse(CreateCredentialBody, req.body)));
  });
  r.get('/:id', async (req, res) => {
    res.json(await credentials.get(req.params.id));
  });
  r.put('/:id', async (req, res) => {
    res.json(await credentials.update(req.params.id, parse(UpdateCredentialBody, req.body)));
  });
  r.delete('/:id', async (req, res) => {
    await credentials.remove(req.params.id);
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
