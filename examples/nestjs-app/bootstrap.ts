import type { INestApplicationContext, LoggerService, LogLevel, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import type { ExampleConfig } from './config';

/** Start one replica of the example application (no HTTP server: jobs and services only). */
export async function bootstrap(
  config: ExampleConfig,
  logger: LoggerService | LogLevel[] = ['log', 'warn', 'error'],
  extraProviders: Provider[] = [],
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    AppModule.register(config, extraProviders),
    { logger },
  );
  // SIGTERM/SIGINT run the shutdown hooks: in-flight runs finish, locks are released.
  app.enableShutdownHooks();
  return app;
}
