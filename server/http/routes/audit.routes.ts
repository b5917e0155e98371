/**
 * /api/audit: the audit log, newest first, cursor-paginated. Read-only: the API offers no way to
 * change or delete an entry (only the pruner removes rows, by age).
 */
import { Router } from 'express';
import { ListAuditQuery } from '#shared/api/audit.ts';
import { AppError } from '#shared/errors.ts';
import type { AuditService } from '../../services/audit.service.ts';
import { parse } from '../parse.ts';

export function auditRoutes(audit: AuditService): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    res.json(await audit.list(parse(ListAuditQuery, req.query, 'query')));
  });
  r.all('/', () => {
    throw new AppError('METHOD_NOT_ALLOWED', 'the audit log is append-only: it can be read, not written', { headers: { Allow: 'GET, HEAD' } });
  });
  return r;
}
