/**
 * The framework reference (DESIGN §7): a bare NestJS application on the Fastify adapter — no
 * guards, pipes, interceptors, filters, logger or database — with one constant route
 * (`/health/live`) and the two benchmarked reads answering the JSON the API returned for them,
 * held in memory. LabGate's liveness is measured against its constant route, its reads against
 * these; a separate process, like the API, with the API's V8 flags.
 *
 * With REFERENCE_OBLIGED=1 it also does, with LabGate's own code, what the API owes every request
 * whatever its route: the HTTP server's timeouts (apiServerFactory), the correlation id
 * (requestIdFor), the security headers and X-Request-Id on the response (setResponseHeaders) and
 * the hostile-input check of path parameters, query and body (installInputGuard). Nothing else of
 * LabGate: no guards, logging, metrics or database. What that costs bare NestJS is the floor of
 * any API bound by the same contract (framework.js, FRAMEWORK_OBLIGED=1).
 *
 * Usage: node reference-nest.js <port> <bodies.json>, where bodies.json is {pilot, page}.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { installInputGuard } from '../../apps/api/src/http/input-guard';
import { setResponseHeaders } from '../../apps/api/src/http/security-headers';
import { apiServerFactory, requestIdFor } from '../../apps/api/src/http/server';

const [portArg, bodiesPath] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(bodiesPath ?? '', 'utf8')) as { pilot: unknown; page: unknown };

@Controller()
class ReferenceController {
  @Get('health/live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('v1/pilots/:id')
  pilot(): unknown {
    return bodies.pilot;
  }

  @Get('v1/pilots')
  page(): unknown {
    return bodies.page;
  }
}

@Module({ controllers: [ReferenceController] })
class ReferenceModule {}

async function main(): Promise<void> {
  const port = Number(portArg);
  if (!Number.isInteger(port) || !bodiesPath) throw new Error('usage: reference-nest <port> <bodies.json>');
  const obliged = process.env.REFERENCE_OBLIGED === '1';
  const adapter = obliged ? new FastifyAdapter({ genReqId: requestIdFor, serverFactory: apiServerFactory(30_000 /* REQUEST_TIMEOUT_MS's default */) }) : new FastifyAdapter();
  const app = await NestFactory.create<NestFastifyApplication>(ReferenceModule, adapter, { logger: false });
  if (obliged) {
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addHook('onRequest', (request, reply, done) => {
      setResponseHeaders(request, reply);
      done();
    });
    installInputGuard(fastify, (_request, reply, err) => void reply.code(400).send({ detail: String(err) }));
  }
  app.enableShutdownHooks();
  await app.listen({ port, host: '127.0.0.1' });
}

main().catch((err: unknown) => {
  console.error(`reference-nest: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
