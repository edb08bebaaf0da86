import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { Logger as NestLogger } from '@nestjs/common';
import { mountQueueDashboard } from './admin/queue-dashboard';
import { ApiModule } from './app.module';
import { correlationIdFor, CORRELATION_HEADER } from './http/correlation';
import { sendProblem } from './http/problem.filter';
import { requestLogger } from './http/request-log';
import { securityHeadersFor } from './http/security-headers';
import { createValidationPipe } from './http/validation';
import { endSpan, startRequestSpan, tracingEnabled, withSpan } from '@labgate/core';
import type { Span } from '@opentelemetry/api';
import { loadConfig } from '@labgate/config';
import { clientErrorHandler, installInputGuard } from './http/input-guard';
import { ApiMetrics } from './metrics/api-metrics';
import { operationIdFor } from './http/operation-ids';
import metadata from './metadata';
import { completeContract } from './http/openapi-contract';

const frameworkLogger = new NestLogger('HTTP');

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Longer than the usual load balancer's idle timeout (60 s), so the balancer closes first. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * Builds the API application exactly as it runs in production; main.ts listens on it and the
 * end-to-end tests drive it in-process.
 */
export async function createApiApp(): Promise<NestFastifyApplication> {
  const config = loadConfig();
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
    trustProxy: config.trustProxy as boolean | string,
    // Slow clients (a body a byte a second, headers a line at a time) get 408 after
    // REQUEST_TIMEOUT_MS, checked every second (Node's default check runs every 30 s). Idle
    // keep-alive connections are kept KEEP_ALIVE_TIMEOUT_MS (Fastify's own default, which a
    // server factory does not get): with Node's 5 s a proxy or client pool that reuses a
    // connection idle for longer races the server's close and loses the request it sent.
    serverFactory: (handler: RequestListener) => {
      const timeout = config.requestTimeoutMs;
      return createServer(
        { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: 1000, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS },
        handler,
      );
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
  const spans = new WeakMap<FastifyRequest, Span>();
  const logRequest = requestLogger(PinoLogger.root);
  // One hook opens every request: its security headers (helmet's, computed once), its correlation
  // id on the response, and its log line. Errors raised before or outside it set the id again
  // (sendProblem). The id reaches the outbox rows a command writes through the controllers
  // (@Work()), not through an async context.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(securityHeadersFor(request.url)).header(CORRELATION_HEADER, request.id);
    logRequest(request, reply);
    if (!tracingEnabled()) return done();
    // With an OTLP endpoint configured: a server span, active for everything the request does.
    const traceparent = request.headers.traceparent;
    const span = startRequestSpan(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`, typeof traceparent === 'string' ? traceparent : undefined, {
      'http.request.method': request.method,
      'http.route': request.routeOptions.url ?? 'unmatched',
      'labgate.correlation_id': request.id,
    });
    spans.set(request, span);
    withSpan(span, done);
  });
  installInputGuard(fastify, (request, reply, err) => sendProblem(request, reply, err, frameworkLogger));
  const metrics = app.get(ApiMetrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request, reply);
    const span = spans.get(request);
    if (span) endSpan(span, reply.statusCode);
    done();
  });

  await mountQueueDashboard(app);

  // What the @nestjs/swagger CLI plugin read from the DTOs (constraints, optionality, comments):
  // generated by `npm run openapi`, checked for drift by the tests.
  await SwaggerModule.loadPluginMetadata(metadata);
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
  SwaggerModule.setup('docs', app, completeContract(document), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
