import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation id of the work in progress: an HTTP request's X-Request-Id in the API, the
 * job's inherited id in the worker. It follows the work into the outbox rows it writes, so a
 * vote's request id reaches the tally, the decision and the webhook deliveries it causes.
 */
const storage = new AsyncLocalStorage<{ correlationId: string }>();

export function runWithCorrelationId<T>(correlationId: string | undefined, fn: () => T): T {
  return correlationId ? storage.run({ correlationId }, fn) : fn();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

export const CORRELATION_ID_FORMAT = /^[A-Za-z0-9._:-]{1,128}$/;
