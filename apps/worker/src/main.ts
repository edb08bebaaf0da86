import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // On SIGTERM Nest closes the BullMQ workers, which finish their current jobs first.
  app.enableShutdownHooks();
  await app.init();
  app.get(Logger).log('LabGate worker ready', 'Main');
}

main().catch((err: unknown) => {
  console.error(`labgate-worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
