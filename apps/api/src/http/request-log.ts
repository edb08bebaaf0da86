import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import type { AppConfig } from '@labgate/config';
import { PROBE_ROUTES } from './probes';

/** A request in the logs: its correlation id, method and URL (the dashboard's one-time ?token= redacted), never headers or a body. */
function requestForLog(req: { id: string; method: string; url: string }): Record<string, string> {
  return { id: req.id, method: req.method, url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]') };
}

/** The API's root logger (nestjs-pino builds it from these options; everything else derives from it). */
export function apiLoggerOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    name: 'labgate-api',
    // A fixed binding, not customProps (a function called on every request).
    base: { pid: process.pid, hostname: hostname(), app: 'api' },
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    serializers: { req: requestForLog },
  };
}

/**
 * One line per request when its response is sent ("request completed", or "request errored" for a
 * 5xx), under the request's correlation id. Called from the API's first Fastify hook, on every
 * route Fastify serves (Nest's controllers, the queue dashboard, 404s), not through Nest's
 * middleware: that layer's path matching once left the controllers' routes unlogged, and the
 * hook opens no async context (nestjs-pino's middleware runs the rest of the request inside an
 * AsyncLocalStorage, whose promise hooks tax every request of the process).
 */
export function requestLogger(root: Logger): (request: FastifyRequest, reply: FastifyReply) => void {
  const log = pinoHttp<IncomingMessage, ServerResponse>({ logger: root, serializers: { req: requestForLog } });
  return (request, reply) => {
    // Request lines are written at info: below that level (LOG_LEVEL=warn) there is nothing to set up.
    if (!root.isLevelEnabled('info') || PROBE_ROUTES.has(request.routeOptions.url ?? '')) return;
    // pino-http logs under the raw request's id: Fastify's, which is the correlation id.
    (request.raw as IncomingMessage & { id?: string }).id = request.id;
    log(request.raw, reply.raw);
  };
}
