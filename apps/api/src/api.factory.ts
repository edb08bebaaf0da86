import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { Logger as NestLogger } from '@nestjs/common';
import { mountQueueDashboard } from './admin/queue-dashboard';
import { ApiModule } from './app.module';
import { correlationIdFor, CORRELATION_HEADER } from './http/correlation';
import { sendProblem } from './http/problem.filter';
import { createValidationPipe } from './http/validation';
import { runWithCorrelationId } from '@labgate/core';
import { loadConfig } from '@labgate/config';
import { clientErrorHandler, installInputGuard } from './http/input-guard';
import { ApiMetrics } from './metrics/api-metrics';
import { operationIdFor } from './http/operation-ids';

const frameworkLogger = new NestLogger('HTTP');

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the API application exactly as it runs in production; main.ts listens on it and the
 * end-to-end tests drive it in-process.
 */
export async function createApiApp(): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => {
      const id = correlationIdFor(req);
      (req as { id?: string }).id = id;
      return id;
    },
    // The client address (for the per-address limit and the logs) comes from X-Forwarded-For
    // only when TRUST_PROXY names the proxies in front; anyone can write that header.
    // (A number of hops is honoured by Fastify though its type omits it.)
    trustProxy: loadConfig().trustProxy as boolean | string,
    // Slow clients (a body a byte a second, headers a line at a time) get 408 after
    // REQUEST_TIMEOUT_MS, checked every second (Node's default check runs every 30 s).
    serverFactory: (handler: RequestListener) => {
      const timeout = loadConfig().requestTimeoutMs;
      return createServer({ requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: 1000 }, handler);
    },
    // Errors of the HTTP parser (header block too large, malformed request line, timeout) as problem+json.
    clientErrorHandler,
    // Errors Fastify raises while routing (a path parameter over the length limit → 414, a bad
    // URL) never reach Nest; they get the same problem+json here.
    frameworkErrors: (err: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(request, reply, err, frameworkLogger),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  // Errors raised by Fastify itself (bad JSON, body too large, wrong media type) reach Nest's
  // exception layer, hence the ProblemFilter, like every other error.
  const fastify = app.getHttpAdapter().getInstance();
  // Security headers on every response (helmet): nosniff, no framing, no referrer, HSTS (honoured
  // by browsers over HTTPS only). CSP is set per page: the funders' dashboard has its own strict
  // one; Swagger UI and Bull Board get one below that admits their inline styles.
  await fastify.register(helmet, {
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0]!;
    if ((path === '/docs' || path.startsWith('/docs/') || path.startsWith('/admin/queues')) && !reply.hasHeader('content-security-policy')) {
      void reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    }
    return payload;
  });
  // Everything the request does, down to the outbox rows it writes, knows its correlation id.
  fastify.addHook('onRequest', (request, _reply, done) => runWithCorrelationId(request.id, done));
  installInputGuard(fastify, (request, reply, err) => sendProblem(request, reply, err, frameworkLogger));
  const metrics = app.get(ApiMetrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request, reply);
    done();
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header(CORRELATION_HEADER, request.id);
    return payload;
  });

  await mountQueueDashboard(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('LabGate')
      .setDescription(
        'Stage-gate tracking of the EU JHA innovation lab pilots: proposals, queued gate reviews across agencies, ' +
          'decisions, budgets and the audit chain. Errors are RFC 9457 application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Personal API token' })
      .build(),
    { operationIdFactory: operationIdFor },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
