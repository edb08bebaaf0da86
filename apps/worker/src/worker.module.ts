import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, AppConfig, AppConfigModule } from '@labgate/config';
import { CoreModule } from '@labgate/core';
import { dataSourceOptions } from '@labgate/persistence';
import { redisOptions } from '@labgate/queue';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ pinoHttp: { level: config.logLevel, name: 'labgate-worker' } }),
    }),
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => dataSourceOptions(config, 'labgate-worker'),
    }),
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: redisOptions(config.redisUrl), prefix: config.queuePrefix }),
    }),
    CoreModule,
  ],
})
export class WorkerModule {}
