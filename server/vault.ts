/**
 * Wires the credentials vault and email into Switchyard: the key check (a wrong key refuses the start),
 * the credential service, the workspace variables (secret ones are sealed with the same key), the
 * engine's credentials and mail ports, and the /api routes. switchyard.ts calls it once.
 */
import type { Router } from 'express';
import type { CredentialsPort } from '#shared/nodes/define.ts';
import { openSecretBox } from './adapters/crypto.ts';
import { createMailer, type Mailer } from './adapters/mailer.ts';
import type { Config } from './config.ts';
import type { Kysely } from 'kysely';
import type { Schema } from './db/schema.ts';
import { createCredentialRepo } from './db/repos/credential.repo.ts';
import { createOutboxRepo } from './db/repos/outbox.repo.ts';
import { credentialRoutes, outboxRoutes } from './http/routes/credentials.routes.ts';
import { auditFor } from './http/audit-context.ts';
import type { AuditService } from './services/audit.service.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';
import type { SecretScrubber } from './lib/secret-scrubber.ts';
import { createCredentialsPort } from './services/credential-headers.ts';
import { createCredentialService, type CredentialService } from './services/credential.service.ts';
import { createOutboxService } from './services/outbox.service.ts';
import { createVariableRepo } from './db/repos/variable.repo.ts';
import { variableRoutes } from './http/routes/variables.routes.ts';
import { createVariableService, type VariableService } from './services/variable.service.ts';

export type Vault = {
  /** `reveal(id)` is for server-internal consumers only (webhook auth); `onChange` tells caches to forget. */
  credentials: CredentialService;
  /** Workspace variables; `values()` is the cached map expressions see as `vars` (loaded before this resolves). */
  variables: VariableService;
  mailer: Mailer;
  ports: { credentials: CredentialsPort; mail: Mailer };
  routes: { path: string; router: Router }[];
  /** Drops what is cached for a credential changed by another process (pooled mail transports). */
  forget(credentialId: string): void;
  close(): Promise<void>;
};

/** SMTP_URL's password, so the scrubber knows it from the start. */
function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    // Not a WHATWG-parseable URL: nodemailer will report it on first use; nothing to register.
    return undefined;
  }
}

/** Opens the vault; rejects with a KeyError (message meant for the operator) when the key is wrong or missing. */
export async function createVault(deps: {
  config: Config;
  db: Kysely<Schema>;
  activeWorkflows: () => Promise<{ id: string; name: string; nodes: { config: unknown }[] }[]>;
  clock: Clock;
  logger: Logger;
  secrets: SecretScrubber;
  /** Credential changes go to the audit log. */
  audit: AuditService;
}): Promise<Vault> {
  const { config, secrets } = deps;
  const log = deps.logger.child({ component: 'vault' });
  secrets.add([config.ENCRYPTION_KEY, urlPassword(config.SMTP_URL)].filter((v): v is string => !!v));

  const repo = createCredentialRepo(deps.db);
  const box = await openSecretBox({ encryptionKey: config.ENCRYPTION_KEY, dataDir: config.DATA_DIR, meta: repo.meta, warn: (m, f) => log.warn(m, f) });
  const credentials = createCredentialService({ repo, box, clock: deps.clock, secrets, activeWorkflows: deps.activeWorkflows });
  const outbox = createOutboxRepo(deps.db);
  const mailer = createMailer({ credentials, smtpUrl: config.SMTP_URL, outbox, clock: deps.clock, logger: deps.logger });
  credentials.onChange((id) => mailer.forget(id));
  const variables = createVariableService({ repo: createVariableRepo(deps.db), box, clock: deps.clock, secrets, logger: deps.logger });
  await variables.refresh();
  log.info('vault opened', { keySource: box.source, defaultMail: mailer.hasDefaultServer() ? 'SMTP_URL' : 'outbox' });

  return {
    credentials,
    variables,
    mailer,
    ports: { credentials: createCredentialsPort(credentials), mail: mailer },
    routes: [
      { path: '/credentials', router: credentialRoutes(credentials, auditFor(deps.audit)) },
      { path: '/variables', router: variableRoutes(variables, auditFor(deps.audit)) },
      { path: '/outbox', router: outboxRoutes(createOutboxService({ repo: outbox })) },
    ],
    forget: (id) => mailer.forget(id),
    close: () => mailer.close(),
  };
}
