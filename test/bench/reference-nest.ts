/**
 * The framework reference (DESIGN §7): a bare NestJS application on the Fastify adapter — no
 * guards, pipes, interceptors, filters, logger or database — with one constant route
 * (`/health/live`) and the two benchmarked reads answering the JSON the API returned for them,
 * held in memory. LabGate's liveness is measured against its constant route, its reads against
 * these; a separate process, like the API, with the API's V8 flags.
 *
 * Usage: node reference-nest.js <port> <bodies.json>, where bodies.json is {pilot, page}.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

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
  const app = await NestFactory.create<NestFastifyApplication>(ReferenceModule, new FastifyAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen({ port, host: '127.0.0.1' });
}

main().catch((err: unknown) => {
  console.error(`reference-nest: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
