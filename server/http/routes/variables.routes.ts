/**
 * /api/variables: workspace variables by name. Secret values are write-only (a summary says
 * `set: true`). Changes are audited with the name and whether it is secret: never a value.
 */
import { Router } from 'express';
import { CreateVariableBody, UpdateVariableBody, VariableNameParams } from '#shared/api/variables.ts';
import type { VariableService } from '../../services/variable.service.ts';
import type { Audit } from '../audit-context.ts';
import { parse } from '../parse.ts';

const target = (name: string) => ({ type: 'variable', id: name }) as const;
/** `kind`, not `secret`: the audit log drops detail keys named like secrets (audit.service.ts). */
const kindOf = (v: { secret: boolean }) => (v.secret ? 'secret' : 'plain');

export function variableRoutes(variables: VariableService, audit: Audit): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(await variables.list());
  });
  r.post('/', async (req, res) => {
    const v = await variables.create(parse(CreateVariableBody, req.body));
    await audit(req, { action: 'variable.created', target: target(v.name), detail: { name: v.name, kind: kindOf(v) } });
    res.status(201).json(v);
  });
  r.get('/:name', async (req, res) => {
    const { name } = parse(VariableNameParams, req.params, 'params');
    res.json(await variables.get(name));
  });
  r.put('/:name', async (req, res) => {
    const { name } = parse(VariableNameParams, req.params, 'params');
    const body = parse(UpdateVariableBody, req.body);
    const v = await variables.update(name, body);
    await audit(req, { action: 'variable.changed', target: target(name), detail: { name, kind: kindOf(v), valueChanged: body.value !== undefined } });
    res.json(v);
  });
  r.delete('/:name', async (req, res) => {
    const { name } = parse(VariableNameParams, req.params, 'params');
    await variables.remove(name);
    await audit(req, { action: 'variable.deleted', target: target(name), detail: { name } });
    res.status(204).end();
  });
  return r;
}
