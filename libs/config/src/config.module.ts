import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, loadConfig } from './config';

/** Injection token for the validated, typed {@link AppConfig}. */
export const APP_CONFIG = 'APP_CONFIG';

/**
 * Validates the environment once (through @nestjs/config's `validate` hook, so a bad variable
 * stops the process before anything connects) and exposes the typed {@link AppConfig}.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, validate: (env) => ({ ...env, ...loadConfig(env) }) })],
  providers: [{ provide: APP_CONFIG, useFactory: (): AppConfig => loadConfig() }],
  exports: [APP_CONFIG],
})
export class AppConfigModule {}
