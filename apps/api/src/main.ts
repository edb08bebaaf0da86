import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@labgate/config';
import { startTracing } from '@labgate/core';
import { createApiApp } from './api.factory';

async function main(): Promise<void> {
  const config = loadConfig();
  // Before anything else, so every request can be traced (off without OTEL_EXPORTER_OTLP_ENDPOINT).
  startTracing('labgate-api');
  const app = await createApiApp();
  await app.listen({ port: config.port, host: '0.0.0.0' });
  // Started by `npm start` (fork, with an IPC channel): if that parent dies, even by SIGKILL,
  // the channel closes and this process drains and exits instead of living on as an orphan.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  app.get(Logger).log(`LabGate API listening on http://0.0.0.0:${config.port} (docs at /docs)`, 'Main');
}

main().catch((err: unknown) => {
  console.error(`labgate-api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
