/**
 * The read reference: a bare Fastify server answering the two benchmarked reads with the JSON the
 * API returned for them, held in memory. It runs as its own process, like the API, so it gets an
 * event loop of its own and the load generator does not share it.
 *
 * Usage: node reference-server.js <port> <bodies.json>, where bodies.json is {pilot, page}.
 * The handlers return objects, not pre-serialised strings, so Fastify serialises them per request
 * as the API must: the reference is a handler's floor cost, not a static file server.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

interface Bodies {
  pilot: unknown;
  page: unknown;
}

async function main(): Promise<void> {
  const [portArg, bodiesPath] = process.argv.slice(2);
  const port = Number(portArg);
  if (!Number.isInteger(port) || !bodiesPath) throw new Error('usage: reference-server <port> <bodies.json>');
  const bodies = JSON.parse(readFileSync(bodiesPath, 'utf8')) as Bodies;

  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/v1/pilots/:id', async () => bodies.pilot);
  app.get('/v1/pilots', async () => bodies.page);
  await app.listen({ port, host: '127.0.0.1' });

  const close = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}

main().catch((err: unknown) => {
  console.error(`reference-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
