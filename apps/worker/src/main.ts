import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { startTracing } from '@labgate/core';
import { WorkerModule } from './worker.module';
import { startHeartbeat } from './heartbeat';

async function main(): Promise<void> {
  // Jobs continue the traces of what enqueued them (off without OTEL_EXPORTER_OTLP_ENDPOINT).
  startTracing('labgate-worker');
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // On SIGTERM Nest closes the BullMQ workers, which finish their current jobs first.
  app.enableShutdownHooks();
  await app.init();
  startHeartbeat();
  // Started by `npm start` (fork, with an IPC channel): if that parent dies, even by SIGKILL,
  // the channel closes and this process drains and exits instead of living on as an orphan.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  app.get(Logger).log('LabGate worker ready', 'Main');
}

main().catch((err: unknown) => {
  console.error(`labgate-worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
