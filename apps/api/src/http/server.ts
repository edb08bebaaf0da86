import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { correlationIdFor } from './correlation';

/** Longer than the usual load balancer's idle timeout (60 s), so the balancer closes first. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * The HTTP server under Fastify. Slow clients (a body a byte a second, headers a line at a time)
 * get 408 after `requestTimeoutMs`, checked every second (Node's default check runs every 30 s).
 * Idle keep-alive connections are kept KEEP_ALIVE_TIMEOUT_MS (Fastify's own default, which a
 * server factory does not get): with Node's 5 s a proxy or client pool that reuses a connection
 * idle for longer races the server's close and loses the request it sent.
 */
export function apiServerFactory(requestTimeoutMs: number): (handler: RequestListener) => Server {
  return (handler) =>
    createServer(
      { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval: 1000, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS },
      handler,
    );
}

/** Fastify's request id: the correlation id (the caller's sane X-Request-Id, else a fresh one), also set on the raw request for the logs. */
export function requestIdFor(req: IncomingMessage): string {
  const id = correlationIdFor(req);
  (req as { id?: string }).id = id;
  return id;
}
