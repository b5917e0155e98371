/** The PostgreSQL driver of the store port, and its helpers for multi-process deployments. */
export { openPostgresStore, clientConfig, type PostgresStore, type PostgresOptions } from './driver.ts';
export { isUnavailable, toStoreError, describeTarget, oneLine } from './errors.ts';
export { listen, notify, pack, unpack, MAX_PAYLOAD_BYTES, type Listener, type ListenOptions } from './listen.ts';
export { advisoryLock, lockKey, type AdvisoryLock } from './advisoryLock.ts';
